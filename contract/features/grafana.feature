@grafana
Feature: Grafana
  Grafana loads the provisioned datasource and every generated dashboard,
  reports healthy, and refuses anonymous access.

  Scenario: Grafana serves the provisioned datasource and every dashboard
    Then Grafana reports healthy
    And the provisioned Prometheus datasource is present
    And every generated dashboard loads through the API

  Scenario: Anonymous access is refused
    Then an anonymous request for a generated dashboard is refused with 401
