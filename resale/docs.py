"""The API's documentation pages, /docs (Swagger UI) and /redoc (ReDoc), served from the
app's own copies in static/vendor/ (no CDN), with no inline script."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from resale.core import web

router = APIRouter(include_in_schema=False)


def _page(request: Request, name: str) -> HTMLResponse:
    app = request.app
    context = {"title": app.title, "openapi_url": app.openapi_url}
    return web.templates.TemplateResponse(request, name, context)


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    return _page(request, "docs/swagger.html")


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    return _page(request, "docs/redoc.html")
