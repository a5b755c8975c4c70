@dashboards
Feature: Dashboards
  Every panel of every generated dashboard shows data from the live
  Prometheus, with its Grafana variables resolved.

  Background:
    Given the backend has served traffic

  Scenario: Every panel query returns data
    Then every panel query of every generated dashboard runs on Prometheus without error
    And every panel query returns data
