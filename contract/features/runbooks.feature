@runbooks
Feature: Runbooks
  Every alert an on-call engineer receives links a runbook that exists and
  the dashboard panel plotting its expression, and the queries in that
  runbook work on the live Prometheus.

  Scenario: Every loaded alert links an existing runbook
    Then every alert Prometheus has loaded has a runbook_url naming a generated runbook

  Scenario: Every loaded alert's links open its runbook and its panel
    Then every alert Prometheus has loaded links its runbook and the panel plotting its expression

  Scenario: Every runbook query runs
    Then every PromQL block of every generated runbook runs on Prometheus without error

  Scenario: Every runbook selector selects live series
    Given the backend has served traffic
    Then every selector of every runbook query selects at least one live series
