"""Serving: the home page, health check, assets, error pages and response headers."""

from rosters.extensions import db
from tests.factories import make_person


def test_home_redirects_to_sign_in_which_answers(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    assert client.get(response.headers["Location"]).status_code == 200


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_reports_503_when_database_cannot_be_reached(make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] != "ok"


def test_govuk_assets_are_served_locally(client):
    css = client.get("/assets/govuk-frontend.min.css")
    assert css.status_code == 200
    assert b"/assets/fonts/" in css.data
    assert client.get("/assets/fonts/bold-b542beb274-v2.woff2").status_code == 200
    assert client.get("/assets/govuk-frontend.min.js").status_code == 200


def test_pages_link_no_third_party_hosts(client):
    html = client.get("/sign-in").get_data(as_text=True)
    assert "http://" not in html and "https://" not in html


def test_unknown_page_is_a_house_style_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html and "govuk-template" in html


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert "error" in response.get_json()


def test_server_error_page_has_no_stack_trace(make_app):
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "problem with the service" in html
    assert "secret internals" not in html and "Traceback" not in html


def test_responses_carry_security_headers(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "'nonce-" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    nonce = csp.split("'nonce-")[1].split("'")[0]
    # Every script tag carries this response's nonce.
    assert html.count("<script") == html.count(f'nonce="{nonce}"')


def test_about_page_says_what_sessions_are_not(client):
    html = client.get("/about").get_data(as_text=True)
    assert "not therapy" in html


def test_lead_pages_list_roster(app, client, auth):
    lead = make_person(role="lead", name="Lee Lead")
    db.session.commit()
    auth.login(lead.email)
    for path, text in [("/teams", "Teams"), ("/people", "Lee Lead"), ("/facilitators", "Facilitators"), ("/import", "Import")]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert text in response.get_data(as_text=True)
