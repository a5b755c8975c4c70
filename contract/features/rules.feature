@rules
Feature: Rules
  Prometheus loads every generated rule group and evaluates every rule
  without error, so every alert can fire.

  Scenario: Every generated rule group is loaded and healthy
    Then Prometheus has loaded every rule of every generated rule group
    And every rule reports health ok
    And Prometheus reports no rule evaluation failures
