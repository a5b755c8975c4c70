@dashboards
Feature: Dashboards
  Every panel of every generated dashboard shows data from the live
  Prometheus, with its Grafana variables resolved.

  Background:
    Given the backend has served traffic

  Scenario: Every panel query returns data
    Then every panel query of every generated dashboard runs on Prometheus without error
    And every panel query returns data

  Scenario: Every panel selector selects live series
    Then every selector of every panel query selects at least one live series

  Scenario: Every dashboard datasource is provisioned
    Then every datasource reference of every generated dashboard names a provisioned datasource
