// Built by Vite (base: './'); asset names carry content hashes.
//
// Routes live in the URL fragment (#/swap, #/pool/42): the browser never
// sends the fragment to the gateway, so every route is served by the root's
// index.html, and its relative asset URLs resolve the same at every route,
// on path gateways (/ipfs/<cid>/#/swap), subdomain gateways and ENS gateways.
const routes = [
  [/^\/$/, () => ["home", "Welcome", "Pick a page above."]],
  [/^\/swap$/, () => ["swap", "Swap", "Trade one token for another."]],
  [/^\/pool\/([^/]+)$/, (id) => [`pool/${id}`, `Pool ${id}`, "Liquidity for this pool."]],
];

function route() {
  const path = window.location.hash.replace(/^#/, "") || "/";
  for (const [re, page] of routes) {
    const m = path.match(re);
    if (m) return page(...m.slice(1).map(decodeURIComponent));
  }
  return ["not-found", "Not found", `No page at #${path}.`];
}

function render() {
  const [name, title, text] = route();
  const main = document.getElementById("page");
  main.dataset.route = name;
  main.replaceChildren(
    Object.assign(document.createElement("h2"), { textContent: title }),
    Object.assign(document.createElement("p"), { textContent: text }),
  );
}

async function connect() {
  const status = document.getElementById("status");
  if (!window.ethereum) {
    status.textContent = "No wallet found. Install a browser wallet to continue.";
    return;
  }
  try {
    const accounts = await window.ethereum.request({ method: "eth_requestAccounts" });
    status.textContent = `Connected: ${accounts[0]}`;
  } catch (err) {
    status.textContent = `Connection refused: ${err.message}`;
  }
}

document.getElementById("connect").addEventListener("click", connect);
window.addEventListener("hashchange", render);
render();
