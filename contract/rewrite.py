"""Rewrite the committed stack configs for one run: addresses and paths only."""

from __future__ import annotations

import configparser
import copy
import io
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from contract.errors import ConfigError

# The committed configs address components on loopback; any of these host
# spellings with a component's default port means that component.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "0.0.0.0"})  # noqa: S104


@dataclass(frozen=True)
class AddressMap:
    """Default `host:port` of each component in the committed configs → its run address."""

    by_port: Mapping[int, str]

    def map(self, address: str) -> str | None:
        """Return the run address for a committed loopback address, or None if unknown."""
        host, sep, port = address.rpartition(":")
        if not sep or host not in LOOPBACK_HOSTS or not port.isdigit():
            return None
        return self.by_port.get(int(port))

    def map_url(self, url: str) -> str | None:
        """Return url with its netloc replaced by the run address, or None if unknown."""
        parts = urlsplit(url)
        mapped = self.map(parts.netloc)
        return None if mapped is None else urlunsplit(parts._replace(netloc=mapped))


@dataclass(frozen=True)
class Rewrite:
    """One change (or a deliberate non-change) made to a config, kept as evidence."""

    file: str
    where: str
    before: str
    after: str


def _mapped_targets(
    targets: list[Any], addresses: AddressMap, file: str, where: str, notes: list[Rewrite]
) -> list[Any]:
    result: list[Any] = []
    for target in targets:
        mapped = addresses.map(str(target))
        # Unknown targets stay as they are: the live scrape check then shows them down.
        after = mapped if mapped is not None else str(target)
        notes.append(Rewrite(file, where, str(target), after))
        result.append(after)
    return result


def resolve_inside(root: PurePath, config_dir: str, entry: str, file: str, field: str) -> PurePath:
    """Resolve a path written relative to a config file, refusing to leave the artifact root."""
    if posixpath.isabs(entry):
        raise ConfigError(
            file, f"{field}: '{entry}' is absolute; generated configs use relative paths"
        )
    normalized = posixpath.normpath(posixpath.join(config_dir, entry))
    if normalized == ".." or normalized.startswith("../"):
        raise ConfigError(file, f"{field}: '{entry}' points outside the artifact tree")
    return root / normalized


def rewrite_prometheus(
    config: Mapping[str, Any],
    *,
    file: str,
    config_dir: str,
    artifact_root: PurePath,
    addresses: AddressMap,
) -> tuple[dict[str, Any], list[Rewrite]]:
    """Point rule_files at the artifact tree and targets at this run's components."""
    result = copy.deepcopy(dict(config))
    notes: list[Rewrite] = []
    rule_files = result.get("rule_files") or []
    if not isinstance(rule_files, list):
        raise ConfigError(file, "rule_files must be a list")
    new_rules = []
    for entry in rule_files:
        resolved = str(resolve_inside(artifact_root, config_dir, str(entry), file, "rule_files"))
        notes.append(Rewrite(file, "rule_files", str(entry), resolved))
        new_rules.append(resolved)
    result["rule_files"] = new_rules
    for job in result.get("scrape_configs") or []:
        where = f"scrape_configs[{job.get('job_name')}]"
        for static in job.get("static_configs") or []:
            static["targets"] = _mapped_targets(
                static.get("targets") or [], addresses, file, where, notes
            )
    alerting = result.get("alerting") or {}
    for index, am in enumerate(alerting.get("alertmanagers") or []):
        where = f"alerting.alertmanagers[{index}]"
        for static in am.get("static_configs") or []:
            static["targets"] = _mapped_targets(
                static.get("targets") or [], addresses, file, where, notes
            )
    return result, notes


# Receiver kinds the generated config may hold besides webhooks; each is proven by pointing
# it at the run's capture webhook, and the evidence keeps the kind it replaced.
CAPTURED_KINDS = ("slack_configs", "pagerduty_configs", "email_configs")
_CREDENTIAL_SUFFIX = "_file"


def _describe(kind: str, config: Mapping[str, Any]) -> str:
    """Name a receiver config by kind and its credential files, never a credential itself."""
    files = sorted(f"{k}={v}" for k, v in config.items() if str(k).endswith(_CREDENTIAL_SUFFIX))
    return f"{kind.removesuffix('_configs')} ({', '.join(files) or 'no credential file'})"


def rewrite_alertmanager(
    config: Mapping[str, Any],
    *,
    file: str,
    addresses: AddressMap,
    capture_url: str | None = None,
) -> tuple[dict[str, Any], list[Rewrite]]:
    """Point every receiver at this run's capture webhook, keeping its route and name.

    Webhook URLs are mapped to the run's addresses; a Slack, PagerDuty or e-mail receiver
    becomes a webhook to capture_url (with its send_resolved), noted with the kind it was.
    """
    result = copy.deepcopy(dict(config))
    notes: list[Rewrite] = []
    for receiver in result.get("receivers") or []:
        name = receiver.get("name")
        for index, hook in enumerate(receiver.get("webhook_configs") or []):
            where = f"receivers[{name}].webhook_configs[{index}].url"
            url = str(hook.get("url", ""))
            mapped = addresses.map_url(url)
            after = mapped if mapped is not None else url
            notes.append(Rewrite(file, where, f"webhook {url}", f"webhook {after}"))
            hook["url"] = after
        for kind in CAPTURED_KINDS:
            for index, original in enumerate(receiver.pop(kind, None) or []):
                if capture_url is None:
                    raise ConfigError(
                        file, f"receivers[{name}]: a {kind} receiver needs a capture URL"
                    )
                where = f"receivers[{name}].{kind}[{index}]"
                notes.append(
                    Rewrite(file, where, _describe(kind, original), f"webhook {capture_url}")
                )
                receiver.setdefault("webhook_configs", []).append(
                    {"url": capture_url, "send_resolved": bool(original.get("send_resolved"))}
                )
    return result, notes


def rewrite_grafana_datasources(
    config: Mapping[str, Any], *, file: str, addresses: AddressMap
) -> tuple[dict[str, Any], list[Rewrite]]:
    """Point every provisioned datasource URL at this run's component."""
    result = copy.deepcopy(dict(config))
    notes: list[Rewrite] = []
    for source in result.get("datasources") or []:
        url = str(source.get("url", ""))
        mapped = addresses.map_url(url)
        after = mapped if mapped is not None else url
        notes.append(Rewrite(file, f"datasources[{source.get('name')}].url", url, after))
        source["url"] = after
    return result, notes


def rewrite_grafana_dashboards(
    config: Mapping[str, Any], *, file: str, dashboards_dir: PurePath
) -> tuple[dict[str, Any], list[Rewrite]]:
    """Point every dashboard provider at the artifact tree's dashboards/ for this run."""
    result = copy.deepcopy(dict(config))
    notes: list[Rewrite] = []
    for provider in result.get("providers") or []:
        options = provider.setdefault("options", {})
        where = f"providers[{provider.get('name')}].options.path"
        notes.append(Rewrite(file, where, str(options.get("path", "")), str(dashboards_dir)))
        options["path"] = str(dashboards_dir)
    return result, notes


def rewrite_grafana_ini(
    text: str, *, file: str, settings: Mapping[tuple[str, str], str]
) -> tuple[str, list[Rewrite]]:
    """Set the given (section, key) values for this run; keep every other setting."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text, source=file)
    except configparser.Error as exc:
        raise ConfigError(file, f"not a valid INI file: {exc}") from exc
    notes: list[Rewrite] = []
    for (section, key), value in settings.items():
        if not parser.has_section(section):
            parser.add_section(section)
        before = parser.get(section, key, fallback="")
        parser.set(section, key, value)
        notes.append(Rewrite(file, f"[{section}] {key}", before, value))
    out = io.StringIO()
    parser.write(out)
    return out.getvalue(), notes
