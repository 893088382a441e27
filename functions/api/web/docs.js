// /api/v1/docs: Swagger UI (vendor/swagger-ui/, served from this deployment) over the API's own document.
// A file of its own, not an inline script: the page's policy allows scripts from this origin only.

SwaggerUIBundle({ url: "/api/v1/openapi.json", dom_id: "#ui" });
