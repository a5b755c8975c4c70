"""Typed application state keys."""

from __future__ import annotations

from aiohttp import web

from service.admin import AdminApi
from service.metrics import ServiceMetrics
from service.pipeline import Pipeline
from service.settings import Settings
from service.storage.base import KeyStore

SETTINGS = web.AppKey("settings", Settings)
METRICS = web.AppKey("metrics", ServiceMetrics)
STORE = web.AppKey("store", KeyStore)
PIPELINE = web.AppKey("pipeline", Pipeline)
ADMIN = web.AppKey("admin", AdminApi)
OPENAPI = web.AppKey("openapi", bytes)
