"""Typed application state keys."""

from __future__ import annotations

from aiohttp import web

from service.audit.writer import AuditWriter
from service.http.admin import AdminApi
from service.http.session_api import SessionApi
from service.metrics import ServiceMetrics
from service.pipeline.process import Pipeline
from service.settings import Settings
from service.storage.base import KeyStore

SETTINGS = web.AppKey("settings", Settings)
METRICS = web.AppKey("metrics", ServiceMetrics)
STORE = web.AppKey("store", KeyStore)
PIPELINE = web.AppKey("pipeline", Pipeline)
ADMIN = web.AppKey("admin", AdminApi)
SESSIONS = web.AppKey("sessions", SessionApi)
OPENAPI = web.AppKey("openapi", bytes)
AUDIT = web.AppKey("audit", AuditWriter)
