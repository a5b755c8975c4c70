"""Steps of grafana.feature."""

from __future__ import annotations

from pytest_bdd import then

from contract.artifacts import load_yaml
from contract.assertions import http_get, json_body, require_empty, violation
from contract.checks.dashboards import load_dashboard
from contract.context import RunContext
from contract.evidence import evidence_of
from contract.spec import GRAFANA


def _auth(run: RunContext) -> tuple[str, str]:
    return run.stack.grafana.admin_user, run.stack.grafana.admin_password


def _dashboard_uids(run: RunContext) -> list[str]:
    return [str(load_dashboard(path).get("uid")) for path in run.tree.dashboard_files()]


@then("Grafana reports healthy")
def grafana_healthy(contract_run: RunContext) -> None:
    """GET /api/health answers 200 with database ok."""
    response = http_get(
        contract_run.session, GRAFANA, contract_run.stack.url(GRAFANA) + "/api/health"
    )
    body = json_body(response, GRAFANA)
    if body.get("database") != "ok":
        violation(
            GRAFANA,
            "GET /api/health",
            f"database is {body.get('database')!r}",
            evidence_of(response),
        )


@then("the provisioned Prometheus datasource is present")
def datasource_present(contract_run: RunContext) -> None:
    """Every datasource of the provisioning files is listed by /api/datasources."""
    response = http_get(
        contract_run.session,
        GRAFANA,
        contract_run.stack.url(GRAFANA) + "/api/datasources",
        auth=_auth(contract_run),
    )
    listed = {str(source.get("name")) for source in json_body(response, GRAFANA)}
    provisioning = contract_run.tree.grafana_dir / "provisioning" / "datasources"
    wanted = {
        str(source.get("name"))
        for path in contract_run.tree.files(provisioning, "*.yml", GRAFANA)
        for source in load_yaml(path, GRAFANA).get("datasources") or []
    }
    problems = [f"datasource {name!r} is not provisioned" for name in sorted(wanted - listed)]
    require_empty(problems, GRAFANA, "GET /api/datasources", evidence_of(response))


@then("every generated dashboard loads through the API")
def every_dashboard_loads(contract_run: RunContext) -> None:
    """Every dashboard uid answers 200 on /api/dashboards/uid/<uid> with basic auth."""
    for uid in _dashboard_uids(contract_run):
        http_get(
            contract_run.session,
            GRAFANA,
            f"{contract_run.stack.url(GRAFANA)}/api/dashboards/uid/{uid}",
            auth=_auth(contract_run),
        )


@then("an anonymous request for a generated dashboard is refused with 401")
def anonymous_refused(contract_run: RunContext) -> None:
    """GET /api/dashboards/uid/<uid> without credentials answers 401."""
    uid = _dashboard_uids(contract_run)[0]
    http_get(
        contract_run.session,
        GRAFANA,
        f"{contract_run.stack.url(GRAFANA)}/api/dashboards/uid/{uid}",
        expect=401,
    )
