"""The OpenAPI document tells the truth: each operation's error responses, in the JSON
shape the API really answers, and the limits the validators enforce."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from listings.models import ListingStatus
from resale.core.fields import MAX_INT
from resale.openapi import ErrorOut
from tests.factories import api_headers, make_listing, make_user

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    from resale.app import create_app

    with TestClient(create_app()) as client:
        answer = client.get("/openapi.json")
    assert answer.status_code == 200
    return answer.json()  # type: ignore[no-any-return]


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_api_operation_documents_its_errors_with_the_error_schema(
    document: dict[str, Any],
) -> None:
    operations = _operations(document)
    assert len(operations) > 30
    for method, path, operation in operations:
        responses = operation["responses"]
        expected = {"413", "422", "503"}
        if operation.get("security"):
            expected |= {"401", "403"}
        if "{" in path or "requestBody" in operation or method != "get":
            expected.add("404")
        if method != "get":
            expected.add("409")
        if "requestBody" in operation:
            expected.add("400")
        assert expected <= set(responses), (method, path, sorted(responses))
        for status in expected:
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == ERROR_REF, (method, path, status)


def test_login_documents_wrong_credentials_and_throttling(document: dict[str, Any]) -> None:
    responses = document["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert {"401", "429"} <= set(responses)


def test_the_validators_limits_are_in_the_schema(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    title = schemas["ListingCreate"]["properties"]["title"]
    assert (title["minLength"], title["maxLength"]) == (3, 100)
    assert "pattern" in title
    price = schemas["ListingCreate"]["properties"]["price_cents"]
    assert (price["minimum"], price["maximum"]) == (100, 10_000_000)
    assert "tables" in schemas["ListingCreate"]["properties"]["category"]["enum"]
    # lat and lon come together (PointIn's rule, kept beside ListingBase's fields)
    for model in ("ListingCreate", "ListingUpdate"):
        point_rule = schemas[model]["anyOf"]
        assert point_rule[0]["required"] == ["lat", "lon"], model
    weight = schemas["ListingCreate"]["properties"]["weight_kg"]["anyOf"][0]
    assert (weight["exclusiveMinimum"], weight["maximum"]) == (0, 1000)
    name = schemas["UserCreate"]["properties"]["display_name"]
    assert (name["minLength"], name["maxLength"]) == (1, 50)
    [listing_id] = document["paths"]["/api/v1/listings/{listing_id}"]["get"]["parameters"][:1]
    assert (listing_id["schema"]["minimum"], listing_id["schema"]["maximum"]) == (1, MAX_INT)


def test_the_error_schema_describes_the_errors_the_api_answers(
    client: TestClient, session: Session
) -> None:
    seller = make_user(session)
    listing = make_listing(session, seller, status=ListingStatus.DRAFT, photos=0)
    headers = api_headers(session, seller)
    answers = [
        client.get("/api/v1/listings/999999"),  # a sentence (404)
        client.get("/api/v1/listings/0"),  # FastAPI's field list (422)
        client.post(f"/api/v1/listings/{listing.id}/publish", headers=headers),  # ours (422)
        client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}),  # 401
    ]
    assert [a.status_code for a in answers] == [404, 422, 422, 401]
    for answer in answers:
        ErrorOut.model_validate(answer.json())
