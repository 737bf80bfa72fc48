// The reference for `make bench`'s Arweave figures: the same upload as
// dapp-publish's arweave provider (every file as a transaction, a v0.2.0
// path manifest with index and fallback, the CAR as one transaction, with
// the same tags), done with arweave-js 1.15.7 the way its docs show:
// createTransaction with the data in memory, sign, post (in the body when
// it is one chunk, else getUploader/uploadChunk), 4 uploads at a time, the
// CAR first (as dapp-publish does).
//
//   NODE_PATH=<arlocal node_modules> node arweave-upload.js GATEWAY WALLET.json SITE_DIR SITE.car ROOT_CID
const fs = require('fs');
const crypto = require('crypto');
const path = require('path');
const Arweave = require('arweave');

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.webp': 'image/webp', '.woff2': 'font/woff2' };

function walk(dir, rel = '') {
  let out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? rel + '/' + e.name : e.name;
    if (e.isDirectory()) out = out.concat(walk(dir, p));
    else if (!e.name.startsWith('.')) out.push(p);
  }
  return out;
}

const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');

async function upload(arweave, key, data, tags) {
  const tx = await arweave.createTransaction({ data }, key);
  for (const [k, v] of tags) tx.addTag(k, v);
  await arweave.transactions.sign(tx, key);
  const up = await arweave.transactions.getUploader(tx);
  while (!up.isComplete) await up.uploadChunk();
  if (up.lastResponseStatus >= 300) throw new Error('upload: ' + up.lastResponseStatus + ' ' + up.lastResponseError);
  return tx.id;
}

(async () => {
  const [gateway, walletPath, site, carPath, root] = process.argv.slice(2);
  const u = new URL(gateway);
  const arweave = Arweave.init({ host: u.hostname, port: Number(u.port), protocol: u.protocol.replace(':', ''), timeout: 120000 });
  const key = JSON.parse(fs.readFileSync(walletPath));
  const files = walk(site);
  const paths = {};
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const f = files[next++];
      const data = fs.readFileSync(path.join(site, f));
      paths[f] = { id: await upload(arweave, key, data, [['Content-Type', types[path.extname(f)] || 'application/octet-stream'],
        ['File-Hash', sha256(data)], ['App-Name', 'dapp-publish']]) };
    }
  };
  // The CAR first, beside three file uploads, as dapp-publish orders them.
  const carData = fs.readFileSync(carPath);
  const carUpload = upload(arweave, key, carData, [['Content-Type', 'application/vnd.ipld.car; version=1'], ['Type', 'ipfs-car'],
    ['IPFS-Root', root], ['IPFS-Profile', 'unixfs-v1-2025'], ['File-Hash', sha256(carData)], ['App-Name', 'dapp-publish']]);
  await Promise.all([worker(), worker(), worker()]);
  const car = await carUpload;
  const manifest = { manifest: 'arweave/paths', version: '0.2.0', index: { path: 'index.html' }, fallback: paths['index.html'], paths };
  const id = await upload(arweave, key, Buffer.from(JSON.stringify(manifest)),
    [['Content-Type', 'application/x.arweave-manifest+json'], ['Type', 'manifest'], ['IPFS-Root', root],
      ['IPFS-Profile', 'unixfs-v1-2025'], ['IPFS-CAR', car], ['App-Name', 'dapp-publish']]);
  console.log(id);
})().catch((e) => { console.error(e); process.exit(1); });
