@health
Feature: Health
  Every component of the stack answers its health and readiness endpoints,
  so an orchestrator and the on-call can tell a live stack from a dead one.

  Scenario: The backend is alive and its storage is reachable
    Then the backend answers GET /health with 200
    And the backend answers GET /ready with 200

  Scenario: Prometheus and Alertmanager are ready
    Then Prometheus answers GET /-/ready with 200
    And Alertmanager answers GET /-/ready with 200
