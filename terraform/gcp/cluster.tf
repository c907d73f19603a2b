# cluster: GKE — regional in production (control plane replicated across the region, nodes in the
# vine's zones), zonal in the vine's first zone otherwise — with private nodes, Workload Identity,
# Dataplane V2 (network policy), a release channel, and one separately managed, autoscaled node
# pool (node_min … node_max nodes in total) running as a dedicated least-privilege service account.
# argocd_enabled: Argo CD from the pinned argo-cd chart, its server on an internal load balancer at
# a reserved address of the vine's network.

variable "cluster" {
  type    = any
  default = null
}

locals {
  cluster        = { for _, c in { x = var.cluster } : try(c.name, "cluster") => c if c != null }
  cluster_argocd = { for k, c in local.cluster : k => c if try(c.argocd_enabled, false) }

  # https://argoproj.github.io/argo-helm, chart argo-cd 9.7.1 = Argo CD v3.4.4.
  argocd_chart_version = "9.7.1"

  cluster_location       = local.production ? var.region : try(local.zones[0], var.region)
  cluster_node_locations = local.production ? local.zones : slice(local.zones, 0, min(1, length(local.zones)))

  # GKE cluster names: at most 40 characters; service account ids 6–30.
  cluster_names = {
    for k, c in local.cluster : k => length(local.rn["cluster/${k}"]) <= 40 ? local.rn["cluster/${k}"] : "${replace(substr(local.rn["cluster/${k}"], 0, 35), "/-+$/", "")}-${substr(sha1(local.rn["cluster/${k}"]), 0, 4)}"
  }
  cluster_sa_ids = {
    for k, c in local.cluster : k => length("${local.rn["cluster/${k}"]}-nodes") <= 30 ? "${local.rn["cluster/${k}"]}-nodes" : "${replace(substr(local.rn["cluster/${k}"], 0, 19), "/-+$/", "")}-${substr(sha1(local.rn["cluster/${k}"]), 0, 4)}-gke"
  }

  # What the Helm provider and other kinds use of the vine's cluster (null without one).
  gke = one([
    for k, c in local.cluster : {
      key            = k
      endpoint       = google_container_cluster.cluster[k].endpoint
      ca_certificate = google_container_cluster.cluster[k].master_auth[0].cluster_ca_certificate
      node_sa_email  = google_service_account.cluster__nodes[k].email
      argocd         = try(c.argocd_enabled, false)
    }
  ])
}

# The nodes' identity: only what a GKE node needs (logs, metrics, autoscaler metrics); image pulls
# from the vine's registries are granted on each repository (container_registries.tf).
resource "google_service_account" "cluster__nodes" {
  for_each     = local.cluster
  account_id   = local.cluster_sa_ids[each.key]
  display_name = "Vintner ${var.name_prefix} GKE nodes"
  description  = "Node service account of cluster/${each.key} (${local.cluster_names[each.key]})"
}

resource "google_project_iam_member" "cluster__nodes" {
  for_each = local.cluster
  project  = local.project
  role     = "roles/container.defaultNodeServiceAccount"
  member   = "serviceAccount:${google_service_account.cluster__nodes[each.key].email}"
}

resource "google_container_cluster" "cluster" {
  for_each       = local.cluster
  name           = local.cluster_names[each.key]
  description    = "Vintner ${var.name_prefix}: cluster/${each.key}"
  location       = local.cluster_location
  node_locations = local.production ? local.cluster_node_locations : null

  network         = try(local.vpc.self_link, null)
  subnetwork      = try(local.vpc.subnet_self_links[0], null)
  networking_mode = "VPC_NATIVE"
  ip_allocation_policy {
    # The vine's network: subnet 0's "pods" and "services" ranges; an adopted one: GKE-managed ranges.
    cluster_secondary_range_name  = try(local.vpc.pods_range, null)
    services_secondary_range_name = try(local.vpc.services_range, null)
    stack_type                    = "IPV4"
  }
  datapath_provider = "ADVANCED_DATAPATH"

  # Nodes have private addresses only (egress through Cloud NAT); the control plane keeps its
  # endpoint, authenticated by Google IAM, so Terraform can install Argo CD.
  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = false
  }

  min_master_version = try(each.value.kubernetes_version, null)
  release_channel {
    channel = local.production ? "STABLE" : "REGULAR"
  }
  maintenance_policy {
    daily_maintenance_window {
      start_time = "03:00"
    }
  }

  workload_identity_config {
    workload_pool = "${local.project}.svc.id.goog"
  }
  enable_shielded_nodes = true
  enable_legacy_abac    = false
  master_auth {
    client_certificate_config {
      issue_client_certificate = false
    }
  }
  node_pool_defaults {
    node_config_defaults {
      insecure_kubelet_readonly_port_enabled = "FALSE"
    }
  }

  # The default node pool only exists while the cluster is created; the node pool below is managed
  # on its own. Its node_config only keeps it off the Compute Engine default service account.
  remove_default_node_pool = true
  initial_node_count       = 1
  node_config {
    service_account = google_service_account.cluster__nodes[each.key].email
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]
    workload_metadata_config {
      mode = "GKE_METADATA"
    }
    shielded_instance_config {
      enable_secure_boot          = true
      enable_integrity_monitoring = true
    }
  }

  resource_labels     = local.component_labels["cluster/${each.key}"]
  deletion_protection = local.production

  depends_on = [google_project_iam_member.cluster__nodes]

  lifecycle {
    ignore_changes = [node_config, initial_node_count]
    precondition {
      condition     = local.vpc != null
      error_message = "cluster/${each.key}: a GKE cluster needs the vine's network component (or an adopted network)."
    }
    precondition {
      condition     = try(length(local.vpc.subnet_self_links), 0) > 0
      error_message = "cluster/${each.key}: the network has no subnetwork in ${var.region}."
    }
    precondition {
      condition     = try(each.value.node_min <= each.value.node_max, true)
      error_message = "cluster/${each.key}: node_min must not exceed node_max."
    }
  }
}

resource "google_container_node_pool" "cluster__nodes" {
  for_each = local.cluster
  name     = "nodes"
  cluster  = google_container_cluster.cluster[each.key].id
  location = local.cluster_location

  # Per zone at creation; the autoscaler owns the count afterwards.
  initial_node_count = max(1, ceil(try(each.value.node_min, 1) / max(1, length(local.cluster_node_locations))))
  autoscaling {
    total_min_node_count = try(each.value.node_min, 1)
    total_max_node_count = try(each.value.node_max, 3)
    location_policy      = "BALANCED"
  }
  management {
    auto_repair  = true
    auto_upgrade = true
  }
  upgrade_settings {
    strategy        = "SURGE"
    max_surge       = 1
    max_unavailable = 0
  }

  node_config {
    machine_type = local.sizes.gke_machine_type[try(each.value.node_size, "small")]
    # Development runs on Spot VMs (60–90 % cheaper, may be preempted).
    spot            = local.development
    disk_size_gb    = local.production ? 100 : 50
    disk_type       = "pd-balanced"
    image_type      = "COS_CONTAINERD"
    service_account = google_service_account.cluster__nodes[each.key].email
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]
    resource_labels = local.component_labels["cluster/${each.key}"]
    metadata = {
      disable-legacy-endpoints = "true"
    }
    workload_metadata_config {
      mode = "GKE_METADATA"
    }
    shielded_instance_config {
      enable_secure_boot          = true
      enable_integrity_monitoring = true
    }
  }

  lifecycle {
    ignore_changes = [initial_node_count]
  }
}

# Argo CD's server address: an internal address of subnet 0, reachable from the vine's network
# (and what is peered or connected to it), never from the internet.
resource "google_compute_address" "cluster__argocd" {
  for_each     = local.cluster_argocd
  name         = length("${local.rn["cluster/${each.key}"]}-argocd") <= 63 ? "${local.rn["cluster/${each.key}"]}-argocd" : "${replace(substr(local.rn["cluster/${each.key}"], 0, 51), "/-+$/", "")}-${substr(sha1(local.rn["cluster/${each.key}"]), 0, 4)}-argocd"
  description  = "Vintner ${var.name_prefix}: Argo CD server of cluster/${each.key}"
  region       = var.region
  address_type = "INTERNAL"
  purpose      = "GCE_ENDPOINT"
  subnetwork   = try(local.vpc.subnet_ids[0], null)
  labels       = local.component_labels["cluster/${each.key}"]
}

resource "helm_release" "cluster__argocd" {
  for_each         = local.cluster_argocd
  name             = "argocd"
  namespace        = "argocd"
  create_namespace = true
  repository       = "https://argoproj.github.io/argo-helm"
  chart            = "argo-cd"
  version          = local.argocd_chart_version
  # Waits for the pods and the load balancer on install, and (uninstall) for its deletion, so the
  # forwarding rule is gone before the address and the network are deleted.
  wait            = true
  timeout         = 900
  cleanup_on_fail = true

  values = [yamlencode({
    global = {
      domain = google_compute_address.cluster__argocd[each.key].address
    }
    server = {
      service = {
        type           = "LoadBalancer"
        loadBalancerIP = google_compute_address.cluster__argocd[each.key].address
        annotations = {
          "networking.gke.io/load-balancer-type" = "Internal"
        }
      }
    }
  })]

  depends_on = [google_container_node_pool.cluster__nodes]

  lifecycle {
    precondition {
      condition     = try(local.vpc.nat, null) != false
      error_message = "cluster/${each.key}: Argo CD pulls its images from quay.io and ghcr.io, and the nodes are private: the network needs Cloud NAT (nat_gateway single or per_az)."
    }
  }
}

output "cluster" {
  description = "\"<name>\" → the cluster's outputs (terraform/CONTRACT.md)."
  value = {
    for k, c in local.cluster : k => {
      id                 = google_container_cluster.cluster[k].id
      arn                = google_container_cluster.cluster[k].self_link
      name               = google_container_cluster.cluster[k].name
      endpoint           = "https://${google_container_cluster.cluster[k].endpoint}"
      kubernetes_version = google_container_cluster.cluster[k].master_version
      node_instance_type = google_container_node_pool.cluster__nodes[k].node_config[0].machine_type
      node_min           = google_container_node_pool.cluster__nodes[k].autoscaling[0].total_min_node_count
      node_max           = google_container_node_pool.cluster__nodes[k].autoscaling[0].total_max_node_count
      oidc_issuer_url    = "https://container.googleapis.com/v1/projects/${local.project}/locations/${google_container_cluster.cluster[k].location}/clusters/${google_container_cluster.cluster[k].name}"
      argocd_url         = try(c.argocd_enabled, false) ? "https://${google_compute_address.cluster__argocd[k].address}" : null
    }
  }
}
