@alerts
Feature: Fire drill
  Every alert of the catalog is driven by a real condition through the real
  backend and stack (never a written sample), against the drill copy of the
  rules in which every range and `for` is divided by one time scale. Each goes
  pending, then firing, reaches the receiver its severity routes to with its
  generated labels and annotations, and is delivered resolved once the
  condition is removed. An inhibited alert is held while its inhibitor fires
  and delivered once it fires alone. Healthy traffic fires nothing but the
  Watchdog, which has no condition: it fires all the time, reaches its own
  receiver and never resolves.

  Background:
    Given the backend has served traffic
    And Prometheus runs the drill copy of the rules

  Scenario: Healthy traffic fires no alert
    Then no drill alert goes pending or firing under healthy traffic alone

  Scenario: Every alert fires, reaches its receiver and resolves
    When every drill condition is applied and removed in turn
    Then every catalog alert was drilled
    And every alert went pending, then firing, in Prometheus
    And every alert reached its severity's receiver with its labels and annotations
    And every alert was delivered resolved after its condition was removed
    And every inhibited alert was held while its inhibitor fired, and delivered once alone
    And no alert went pending or firing outside its own drill
    And every alert was detected within its time bound
