// Start Swagger UI on the app's own OpenAPI document (served locally, no CDN).
window.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: el.dataset.spec, domNode: el, deepLinking: true });
});
