# What the mocked Google provider answers for the data sources the module reads.
mock_data "google_client_config" {
  defaults = {
    project      = "vintner-test"
    region       = "us-central1"
    access_token = "ya29.mock-token"
  }
}

mock_data "google_project" {
  defaults = {
    number     = "123456789012"
    project_id = "vintner-test"
  }
}

# Deliberately unsorted: the module sorts them.
mock_data "google_compute_zones" {
  defaults = {
    names = ["us-central1-c", "us-central1-a", "us-central1-f", "us-central1-b"]
  }
}

mock_resource "google_container_cluster" {
  defaults = {
    endpoint       = "203.0.113.10"
    master_version = "1.31.6-gke.1020000"
  }
}
