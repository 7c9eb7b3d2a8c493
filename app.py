"""Build the staff wellbeing support application and expose it as ``app`` for flask and gunicorn."""

from __future__ import annotations

from pathlib import Path

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the application; ``test_config`` overrides settings for tests."""
    app = Flask(__name__, instance_relative_config=True, static_url_path="/assets")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from rosters.config import load_config

    app.config.from_mapping(load_config(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)

    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from rosters.assets import register_static_files
    from rosters.extensions import csrf, db, login_manager, migrate
    from rosters.web import (
        register_error_pages,
        register_input_guard,
        register_log_filters,
        register_security_headers,
        register_templates,
        register_url_converters,
    )

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    register_url_converters(app)
    register_input_guard(app)
    register_templates(app)
    register_static_files(app)  # before the security headers: their ProxyFix wraps the static files too
    register_security_headers(app)
    register_error_pages(app)
    register_log_filters(app)


def register_blueprints(app: Flask) -> None:
    """One blueprint per room: importing a feature also adds its API routes, imports and commands."""
    import programme.imports  # noqa: F401  (registers the sessions import)
    import reports.api  # noqa: F401  (adds /api/v1/metrics and /api/v1/outcomes to the API blueprint)
    import reports.evaluation  # noqa: F401  (adds /evaluation/report to the reports blueprint)
    import reports.outcomes_views  # noqa: F401  (adds /outcomes to the reports blueprint)
    import rosters.imports  # noqa: F401  (registers the teams, people and training imports)
    import rosters.oidc  # noqa: F401  (adds signing in with the council's own account to the auth blueprint)
    from programme.debriefs import bp as debriefs_bp
    from programme.evaluation import bp as evaluation_bp
    from programme.learning import bp as learning_bp
    from programme.privacy import bp as privacy_bp
    from programme.supervision import bp as supervision_bp
    from programme.support import bp as support_bp
    from reports.views import bp as reports_bp
    from rosters.api import bp as api_bp
    from rosters.audit.views import bp as audit_bp
    from rosters.auth import bp as auth_bp
    from rosters.extensions import csrf
    from rosters.people import bp as people_bp
    from rosters.views import bp as rosters_bp

    csrf.exempt(api_bp)  # the API authenticates by bearer token, never by cookie
    for blueprint in (auth_bp, rosters_bp, people_bp, audit_bp, api_bp, supervision_bp, debriefs_bp, learning_bp,
                      privacy_bp, evaluation_bp, support_bp, reports_bp):
        app.register_blueprint(blueprint)


def register_commands(app: Flask) -> None:
    """Every command registered with ``rosters.cli.command`` (each module adds its own when imported)."""
    import programme.demo  # noqa: F401
    import programme.evaluation.pulse_reminders  # noqa: F401  (send-pulse-reminders)
    import reports.bench  # noqa: F401
    import reports.bench_pages  # noqa: F401  (bench-accounts, bench-pages: the in-process half of make bench)
    import reports.cli  # noqa: F401
    import reports.synthetic  # noqa: F401
    from rosters.cli import register_commands as add_registered_commands

    add_registered_commands(app)


app = create_app()
