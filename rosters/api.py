"""The JSON API's shared parts: the ``/api/v1`` blueprint and its OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

bp = Blueprint("api", __name__, url_prefix="/api/v1")

ERROR_SCHEMA = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}


def error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def period_report(summary: str, answer: str, schema: str, forbidden: str) -> dict[str, Any]:
    """The document's entry for a lead's ``GET`` report over ``start`` and ``end`` (metrics, outcomes...)."""
    dates = [{"name": name, "in": "query", "required": True, "schema": {"type": "string", "format": "date"}}
             for name in ("start", "end")]
    return {"get": {
        "summary": summary,
        "parameters": dates,
        "responses": {
            "200": {"description": answer,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}},
            "400": error_response("Missing, malformed or reversed dates"),
            "401": error_response("No or bad token"),
            "403": error_response(forbidden),
        },
    }}


# Packages add their paths here when imported, so the document always matches the routes served.
OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Staff wellbeing support API",
        "version": "1.0.0",
        "description": "Programme figures, supervision slots and debrief requests. "
        "Authenticate with 'Authorization: Bearer TOKEN' (see 'flask create-token').",
    },
    "servers": [{"url": "/api/v1"}],
    "components": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        "schemas": {"Error": ERROR_SCHEMA},
    },
    "security": [{"bearerAuth": []}],
    "paths": {},
}


@bp.get("/openapi.json")
def openapi():
    return jsonify(OPENAPI)
