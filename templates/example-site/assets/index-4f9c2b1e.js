// Built by Vite (base: './'); asset names carry content hashes.
const routes = { "/": "home", "/swap": "swap", "/pool": "pool" };

function currentRoute() {
  // Works under /ipfs/<cid>/ path gateways, subdomain gateways and ENS gateways.
  const hash = window.location.hash.replace(/^#/, "") || "/";
  return routes[hash] ?? "home";
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
document.body.dataset.route = currentRoute();
