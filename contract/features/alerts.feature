@alerts
Feature: Alert delivery
  When the backend goes down, BackendDown goes pending, then firing, and
  Alertmanager delivers it to the webhook receiver with the generated labels;
  when the backend comes back, the resolution is delivered too.

  Background:
    Given the backend has served traffic

  Scenario: BackendDown fires, is delivered and resolves
    When the backend is stopped
    Then BackendDown becomes pending in Prometheus
    And BackendDown becomes firing in Prometheus
    And the webhook receiver receives BackendDown firing with its generated labels
    When the backend is started again
    Then the webhook receiver receives BackendDown resolved
