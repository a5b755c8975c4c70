@runbooks
Feature: Runbooks
  Every alert an on-call engineer receives links a runbook that exists,
  and the queries in that runbook work on the live Prometheus.

  Scenario: Every loaded alert links an existing runbook
    Then every alert Prometheus has loaded has a runbook_url naming a generated runbook

  Scenario: Every runbook query runs
    Then every PromQL block of every generated runbook runs on Prometheus without error

  Scenario: Every runbook selector selects live series
    Given the backend has served traffic
    Then every selector of every runbook query selects at least one live series
