# Adoption: existing_network_id / existing_zone_id are read through data sources and nothing of the
# network or the zone is created; the vine's other components use them.

mock_provider "google" {
  source = "./tests/mocks"
}
mock_provider "helm" {}
mock_provider "random" {}

override_data {
  target = data.google_compute_network.network["network"]
  values = {
    id        = "projects/host-project/global/networks/shared"
    name      = "shared"
    self_link = "https://www.googleapis.com/compute/v1/projects/host-project/global/networks/shared"
  }
}

override_data {
  target = data.google_compute_subnetworks.network["network"]
  values = {
    subnetworks = [
      { name = "shared-us-central1", self_link = "https://www.googleapis.com/compute/v1/projects/host-project/regions/us-central1/subnetworks/shared-us-central1", ip_cidr_range = "10.20.0.0/20", network = "https://www.googleapis.com/compute/v1/projects/host-project/global/networks/shared", network_name = "shared", network_self_link = "https://www.googleapis.com/compute/v1/projects/host-project/global/networks/shared", private_ip_google_access = true, project = "host-project", region = "us-central1", description = "" },
    ]
  }
}

override_data {
  target = data.google_dns_managed_zone.dns["dns"]
  values = {
    id           = "projects/vintner-test/managedZones/example-com"
    name         = "example-com"
    dns_name     = "example.com."
    visibility   = "public"
    name_servers = ["ns-cloud-a1.googledomains.com.", "ns-cloud-a2.googledomains.com."]
  }
}

variables {
  vineyard    = "Acme"
  vine        = "Shop"
  stage       = "staging"
  name_prefix = "acme-shop-stg"
  region      = "us-central1"
  network     = { name = "network", resource_name = "acme-shop-stg-net", cidr_block = "10.0.0.0/16", az_count = 2, nat_gateway = "single", existing_network_id = "projects/host-project/global/networks/shared" }
  dns         = { name = "dns", resource_name = "acme-shop-stg-dns", domain_name = "example.com", private_zone = false, existing_zone_id = "projects/vintner-test/managedZones/example-com" }
  cluster     = { name = "cluster", resource_name = "acme-shop-stg-k8s", kubernetes_version = "1.31", node_size = "medium", node_min = 2, node_max = 4, argocd_enabled = true }
  databases = {
    main = { name = "main", resource_name = "acme-shop-stg-db-main", engine = "mysql", engine_version = "8.0", size = "medium", storage_gb = 20, high_availability = false, backup_retention_days = 7 }
  }
}

run "adopts_without_creating" {
  command = apply

  assert {
    condition     = length(google_compute_network.network) == 0 && length(google_compute_subnetwork.network__private) == 0
    error_message = "an adopted network creates no network and no subnetwork"
  }
  assert {
    condition     = length(google_compute_router.network__router) == 0 && length(google_compute_router_nat.network__nat) == 0 && length(google_compute_global_address.network__psa) == 0 && length(google_service_networking_connection.network__psa) == 0
    error_message = "an adopted network gets no router, NAT or private service access from the vine"
  }
  assert {
    condition     = length(google_dns_managed_zone.dns) == 0
    error_message = "an adopted zone is not created"
  }
  assert {
    condition     = data.google_compute_network.network["network"].name == "shared" && data.google_compute_network.network["network"].project == "host-project"
    error_message = "existing_network_id is parsed into the host project and the network name"
  }
  assert {
    condition     = data.google_dns_managed_zone.dns["dns"].name == "example-com" && data.google_dns_managed_zone.dns["dns"].project == "vintner-test"
    error_message = "existing_zone_id is parsed into its project and zone name"
  }
  assert {
    condition     = google_container_cluster.cluster["cluster"].network == "https://www.googleapis.com/compute/v1/projects/host-project/global/networks/shared" && google_container_cluster.cluster["cluster"].subnetwork == "https://www.googleapis.com/compute/v1/projects/host-project/regions/us-central1/subnetworks/shared-us-central1"
    error_message = "the cluster joins the adopted network's subnet in the region"
  }
  assert {
    condition     = google_container_cluster.cluster["cluster"].ip_allocation_policy[0].cluster_secondary_range_name != "pods"
    error_message = "on an adopted network GKE manages its own pod and service ranges"
  }
  assert {
    condition     = google_sql_database_instance.databases["main"].settings[0].ip_configuration[0].private_network == "projects/host-project/global/networks/shared"
    error_message = "Cloud SQL takes a private IP in the adopted network"
  }
  assert {
    condition     = google_sql_database_instance.databases["main"].database_version == "MYSQL_8_0" && google_sql_database_instance.databases["main"].settings[0].backup_configuration[0].binary_log_enabled == true
    error_message = "mysql 8.0 → MYSQL_8_0 with binary logging (its point-in-time recovery)"
  }
  assert {
    condition     = tolist(output.network["network"].private_subnets) == tolist(["projects/host-project/regions/us-central1/subnetworks/shared-us-central1"]) && output.network["network"].id == "projects/host-project/global/networks/shared"
    error_message = "the network output describes the adopted network"
  }
  assert {
    condition     = output.dns["dns"].zone_id == "example-com" && output.dns["dns"].domain_name == "example.com" && length(output.dns["dns"].name_servers) == 2
    error_message = "the dns output describes the adopted zone"
  }
}

run "adopted_network_by_name" {
  command = plan

  variables {
    network = { name = "network", resource_name = "acme-shop-stg-net", cidr_block = "10.0.0.0/16", az_count = 1, nat_gateway = "none", existing_network_id = "default" }
    dns     = null
    cluster = null
  }

  assert {
    condition     = data.google_compute_network.network["network"].name == "default"
    error_message = "a bare network name is read in the provider's project"
  }
  assert {
    condition     = length(google_compute_network.network) == 0
    error_message = "nothing of the network is created"
  }
}
