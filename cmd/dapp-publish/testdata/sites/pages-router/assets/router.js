// A client router on the URL path, as a static export hydrates (Next.js,
// Nuxt, Gatsby): it knows the site's routes, shows "not found" on any other
// path, and moves between pages with the history API.
(function () {
  var base = location.pathname.replace(/(index\.html)?$/, "");
  var routes = ["/", "/about/", "/docs/intro/"];
  if (routes.indexOf(base) < 0) {
    document.body.innerHTML = "<h1>404: This page could not be found.</h1>";
    return;
  }
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[href]");
    if (a && a.origin === location.origin) {
      history.pushState({}, "", a.href);
    }
  });
})();
