# network: a custom-mode VPC network, one private subnetwork per zone index (GCP subnets are
# regional: az_count is how many subnets the vine gets and how many of the region's zones its
# regional resources spread over), Cloud Router + Cloud NAT unless nat_gateway = "none", private
# service access for Cloud SQL and Memorystore, and — when a cache is Valkey — the service
# connection policy Memorystore for Valkey's Private Service Connect endpoints need.
# existing_network_id set: the network and its subnets in var.region are read, nothing is created.

variable "network" {
  type    = any
  default = null
}

locals {
  network         = { for _, c in { x = var.network } : try(c.name, "network") => c if c != null }
  network_created = { for k, c in local.network : k => c if try(c.existing_network_id, null) == null }
  network_adopted = { for k, c in local.network : k => c if try(c.existing_network_id, null) != null }

  network_az  = { for k, c in local.network : k => try(c.az_count, 1) }
  network_nat = { for k, c in local.network : k => try(c.nat_gateway, "single") }

  # The vine's zones: the first az_count of the region's (fewer when the region has fewer).
  zones = length(local.network) == 0 ? slice(local.region_zones, 0, min(1, length(local.region_zones))) : slice(
    local.region_zones, 0, min(values(local.network_az)[0], length(local.region_zones))
  )

  # The address plan of a created network (cidr_block /16 … /20), 16 equal blocks: 0–5 the zones'
  # subnets, 6 the GKE services range, 7 private service access (Cloud SQL, Memorystore), the upper
  # half the GKE pods range (all in subnet 0, whose secondary ranges they are).
  network_subnets = merge([for k, c in local.network_created : {
    for i in range(local.network_az[k]) : "${k}/${i}" => {
      network = k
      index   = i
      cidr    = cidrsubnet(c.cidr_block, 4, i)
      name    = length("${local.rn["network/${k}"]}-${i}") <= 63 ? "${local.rn["network/${k}"]}-${i}" : "${replace(substr(local.rn["network/${k}"], 0, 55), "/-+$/", "")}-${substr(sha1(local.rn["network/${k}"]), 0, 4)}-${i}"
    }
  }]...)
  network_psa_range = { for k, c in local.network_created : k => cidrsubnet(c.cidr_block, 4, 7) }

  # Cloud NAT: "single" is one NAT for every subnet; "per_az" one NAT per zone's subnet (each its
  # own address pool and port allocation); "none" no router and no NAT (no egress to the internet).
  network_nats = merge([for k, c in local.network_created : {
    for j in range(lookup({ none = 0, per_az = local.network_az[k] }, local.network_nat[k], 1)) : "${k}/${j}" => {
      network  = k
      index    = j
      per_az   = local.network_nat[k] == "per_az"
      az_count = local.network_az[k]
    }
  }]...)
  network_routers = { for k, c in local.network_created : k => c if local.network_nat[k] != "none" }

  # existing_network_id: a network name, "projects/<p>/global/networks/<n>" or its self link (a
  # Shared VPC host project's network too).
  network_adopt_ref = {
    for k, c in local.network_adopted : k => {
      parts   = split("/", trimprefix(c.existing_network_id, "https://www.googleapis.com/compute/v1/"))
      name    = reverse(split("/", c.existing_network_id))[0]
      project = startswith(trimprefix(c.existing_network_id, "https://www.googleapis.com/compute/v1/"), "projects/") ? split("/", trimprefix(c.existing_network_id, "https://www.googleapis.com/compute/v1/"))[1] : null
    }
  }

  # What other kinds use of the vine's network (null without one).
  vpc_created = {
    for k, c in local.network_created : k => {
      key               = k
      created           = true
      id                = google_compute_network.network[k].id
      self_link         = google_compute_network.network[k].self_link
      name              = google_compute_network.network[k].name
      cidr_block        = c.cidr_block
      subnet_ids        = [for i in range(local.network_az[k]) : google_compute_subnetwork.network__private["${k}/${i}"].id]
      subnet_self_links = [for i in range(local.network_az[k]) : google_compute_subnetwork.network__private["${k}/${i}"].self_link]
      pods_range        = "pods"
      services_range    = "services"
      nat               = local.network_nat[k] != "none"
      nat_ids           = [for key, n in local.network_nats : google_compute_router_nat.network__nat[key].id if n.network == k]
      psa               = google_service_networking_connection.network__psa[k].id
    }
  }
  vpc_adopted = {
    for k, c in local.network_adopted : k => {
      key               = k
      created           = false
      id                = data.google_compute_network.network[k].id
      self_link         = data.google_compute_network.network[k].self_link
      name              = data.google_compute_network.network[k].name
      cidr_block        = null
      subnet_ids        = [for s in data.google_compute_subnetworks.network[k].subnetworks : "projects/${coalesce(local.network_adopt_ref[k].project, local.project)}/regions/${var.region}/subnetworks/${s.name}"]
      subnet_self_links = [for s in data.google_compute_subnetworks.network[k].subnetworks : s.self_link]
      pods_range        = null
      services_range    = null
      nat               = null
      nat_ids           = []
      psa               = null
    }
  }
  vpc = one(values(merge(local.vpc_created, local.vpc_adopted)))
}

resource "google_compute_network" "network" {
  for_each                        = local.network_created
  name                            = local.rn["network/${each.key}"]
  description                     = "Vintner ${var.name_prefix}: network/${each.key}"
  auto_create_subnetworks         = false
  routing_mode                    = "REGIONAL"
  delete_default_routes_on_create = false

  lifecycle {
    precondition {
      condition     = can(cidrsubnet(each.value.cidr_block, 4, 7)) && try(tonumber(split("/", each.value.cidr_block)[1]) <= 20, false)
      error_message = "network/${each.key}: cidr_block must be a /16 to /20 on GCP (subnets, GKE pod and service ranges and private service access are carved from it)."
    }
    precondition {
      condition     = contains(["none", "single", "per_az"], local.network_nat[each.key]) && local.network_az[each.key] >= 1 && local.network_az[each.key] <= 6
      error_message = "network/${each.key}: nat_gateway must be none, single or per_az and az_count 1 to 6."
    }
  }
}

resource "google_compute_subnetwork" "network__private" {
  for_each                 = local.network_subnets
  name                     = each.value.name
  description              = "Vintner ${var.name_prefix}: network/${each.value.network}, zone index ${each.value.index}"
  region                   = var.region
  network                  = google_compute_network.network[each.value.network].id
  ip_cidr_range            = each.value.cidr
  private_ip_google_access = true
  stack_type               = "IPV4_ONLY"

  # Subnet 0 carries the GKE pods and services ranges.
  dynamic "secondary_ip_range" {
    for_each = each.value.index == 0 ? [
      { name = "pods", cidr = cidrsubnet(local.network_created[each.value.network].cidr_block, 1, 1) },
      { name = "services", cidr = cidrsubnet(local.network_created[each.value.network].cidr_block, 4, 6) },
    ] : []
    content {
      range_name    = secondary_ip_range.value.name
      ip_cidr_range = secondary_ip_range.value.cidr
    }
  }

  # Production keeps VPC flow logs (sampled) for audits and incident response.
  dynamic "log_config" {
    for_each = local.production ? [1] : []
    content {
      aggregation_interval = "INTERVAL_5_MIN"
      flow_sampling        = 0.5
      metadata             = "INCLUDE_ALL_METADATA"
    }
  }
}

resource "google_compute_router" "network__router" {
  for_each    = local.network_routers
  name        = length("${local.rn["network/${each.key}"]}-router") <= 63 ? "${local.rn["network/${each.key}"]}-router" : "${replace(substr(local.rn["network/${each.key}"], 0, 51), "/-+$/", "")}-${substr(sha1(local.rn["network/${each.key}"]), 0, 4)}-router"
  description = "Vintner ${var.name_prefix}: network/${each.key} (Cloud NAT)"
  region      = var.region
  network     = google_compute_network.network[each.key].id
}

resource "google_compute_router_nat" "network__nat" {
  for_each                            = local.network_nats
  name                                = length("${local.rn["network/${each.value.network}"]}-nat-${each.value.index}") <= 63 ? "${local.rn["network/${each.value.network}"]}-nat-${each.value.index}" : "${replace(substr(local.rn["network/${each.value.network}"], 0, 51), "/-+$/", "")}-${substr(sha1(local.rn["network/${each.value.network}"]), 0, 4)}-nat-${each.value.index}"
  region                              = var.region
  router                              = google_compute_router.network__router[each.value.network].name
  nat_ip_allocate_option              = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat  = "LIST_OF_SUBNETWORKS"
  enable_endpoint_independent_mapping = false

  dynamic "subnetwork" {
    for_each = each.value.per_az ? [each.value.index] : range(each.value.az_count)
    content {
      name                    = google_compute_subnetwork.network__private["${each.value.network}/${subnetwork.value}"].id
      source_ip_ranges_to_nat = ["ALL_IP_RANGES"]
    }
  }

  log_config {
    enable = true
    filter = "ERRORS_ONLY"
  }
}

# Private service access: one allocated range (block 7 of cidr_block) peered with Google's
# service producers, so Cloud SQL and Memorystore get private IPs in the vine's network.
resource "google_compute_global_address" "network__psa" {
  for_each      = local.network_created
  name          = length("${local.rn["network/${each.key}"]}-psa") <= 63 ? "${local.rn["network/${each.key}"]}-psa" : "${replace(substr(local.rn["network/${each.key}"], 0, 54), "/-+$/", "")}-${substr(sha1(local.rn["network/${each.key}"]), 0, 4)}-psa"
  description   = "Vintner ${var.name_prefix}: network/${each.key} private service access"
  purpose       = "VPC_PEERING"
  address_type  = "INTERNAL"
  address       = cidrhost(local.network_psa_range[each.key], 0)
  prefix_length = tonumber(split("/", local.network_psa_range[each.key])[1])
  network       = google_compute_network.network[each.key].id
  labels        = local.component_labels["network/${each.key}"]
}

# Deleting it fails while a service producer still holds the range (Cloud SQL keeps it a while after
# its instances are deleted): docs/clouds/gcp.md says how to finish such a destroy.
resource "google_service_networking_connection" "network__psa" {
  for_each                = local.network_created
  network                 = google_compute_network.network[each.key].id
  service                 = "servicenetworking.googleapis.com"
  reserved_peering_ranges = [google_compute_global_address.network__psa[each.key].name]
}

# Memorystore for Valkey connects through Private Service Connect endpoints that Google creates in
# subnet 0 under this policy (one per network, region and service class).
resource "google_network_connectivity_service_connection_policy" "network__memorystore" {
  for_each      = { for k, c in local.network_created : k => c if local.any_valkey }
  name          = length("${local.rn["network/${each.key}"]}-memorystore") <= 63 ? "${local.rn["network/${each.key}"]}-memorystore" : "${replace(substr(local.rn["network/${each.key}"], 0, 46), "/-+$/", "")}-${substr(sha1(local.rn["network/${each.key}"]), 0, 4)}-memorystore"
  description   = "Vintner ${var.name_prefix}: Memorystore for Valkey endpoints"
  location      = var.region
  service_class = "gcp-memorystore"
  network       = google_compute_network.network[each.key].id
  labels        = local.component_labels["network/${each.key}"]

  psc_config {
    subnetworks = [google_compute_subnetwork.network__private["${each.key}/0"].id]
  }
}

# Adoption: read, never created.
data "google_compute_network" "network" {
  for_each = local.network_adopted
  name     = local.network_adopt_ref[each.key].name
  project  = local.network_adopt_ref[each.key].project
}

data "google_compute_subnetworks" "network" {
  for_each = local.network_adopted
  project  = local.network_adopt_ref[each.key].project
  region   = var.region
  filter   = "network=\"${data.google_compute_network.network[each.key].self_link}\""
}

output "network" {
  description = "\"<name>\" → the network's outputs (terraform/CONTRACT.md)."
  value = {
    for k, c in local.network : k => {
      id                 = merge(local.vpc_created, local.vpc_adopted)[k].id
      arn                = merge(local.vpc_created, local.vpc_adopted)[k].self_link
      name               = merge(local.vpc_created, local.vpc_adopted)[k].name
      cidr_block         = merge(local.vpc_created, local.vpc_adopted)[k].cidr_block
      availability_zones = local.zones
      private_subnets    = merge(local.vpc_created, local.vpc_adopted)[k].subnet_ids
      public_subnets     = []
      nat_gateways       = merge(local.vpc_created, local.vpc_adopted)[k].nat_ids
    }
  }
}
