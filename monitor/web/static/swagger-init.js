// Starts Swagger UI on /docs (monitor/web/docs.py). A file, not an inline script, so that the
// app's Content-Security-Policy (script-src 'self') allows it.
window.addEventListener("load", function () {
  var el = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: el.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
