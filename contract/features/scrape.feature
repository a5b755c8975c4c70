@scrape
Feature: Scrape
  Prometheus scrapes every target the generated scrape config names,
  so no dashboard or alert is blind.

  Scenario: Every target of the generated scrape config is up
    Then every job of the generated scrape config has an active target
    And every target is up with no scrape error
