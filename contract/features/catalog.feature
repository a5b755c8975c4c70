@catalog
Feature: Catalog drift
  The backend exposes exactly the metrics the catalog declares, with exactly
  its label names and bounded label values, so the generated alerts and
  dashboards query series that exist.

  Background:
    Given the backend has served traffic

  Scenario: The live /metrics matches the catalog exactly
    When the backend's /metrics is read
    Then it holds every catalog metric and no other
    And every metric has exactly the catalog's labels and label values
