"""One blueprint per area of the portal."""


def register_blueprints(app) -> None:
    from portal.routes.account import bp as account_bp
    from portal.routes.admin import bp as admin_bp
    from portal.routes.api import bp as api_bp
    from portal.routes.api import docs_bp as api_docs_bp
    from portal.routes.auth import bp as auth_bp
    from portal.routes.events import bp as events_bp
    from portal.routes.health import bp as health_bp
    from portal.routes.invitation import bp as invitation_bp
    from portal.routes.member import bp as member_bp
    from portal.routes.metrics import bp as metrics_bp
    from portal.routes.points import bp as points_bp
    from portal.routes.referrals import bp as referrals_bp
    from portal.routes.rewards import bp as rewards_bp
    from portal.routes.surveys import bp as surveys_bp

    for blueprint in (
        health_bp,
        metrics_bp,
        auth_bp,
        invitation_bp,
        member_bp,
        points_bp,
        account_bp,
        admin_bp,
        api_bp,
        api_docs_bp,
        rewards_bp,
        referrals_bp,
        events_bp,
        surveys_bp,
    ):
        app.register_blueprint(blueprint)
