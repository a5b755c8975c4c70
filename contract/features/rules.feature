@rules
Feature: Rules
  Prometheus loads every generated rule group and evaluates every rule
  without error, so every alert can fire.

  Scenario: Every generated rule group is loaded and healthy
    Then Prometheus has loaded every rule of every generated rule group
    And every rule reports health ok
    And Prometheus reports no rule evaluation failures

  Scenario: Every rule selector and every recording rule selects live series
    Given the backend has served traffic
    Then every selector of every loaded rule selects at least one live series
    And every recording rule produces at least one series
