# container_registries: an Artifact Registry Docker repository in the vine's region. immutable_tags
# → tags cannot be moved or deleted; keep_images → a cleanup policy keeping the keep_images most
# recent versions of each image (older ones deleted, untagged or not); scan_on_push → Artifact
# Analysis scans pushed images (when the project has the Container Scanning API on) or not. The
# vine's GKE nodes may pull from it.

variable "container_registries" {
  type    = any
  default = {}
}

locals {
  registries = merge(var.container_registries)
}

resource "google_artifact_registry_repository" "container_registries" {
  for_each      = local.registries
  repository_id = local.rn["container_registries/${each.key}"]
  location      = var.region
  format        = "DOCKER"
  mode          = "STANDARD_REPOSITORY"
  description   = "Vintner ${var.name_prefix}: container_registries/${each.key}"
  labels        = local.component_labels["container_registries/${each.key}"]

  docker_config {
    immutable_tags = try(each.value.immutable_tags, false)
  }

  cleanup_policy_dry_run = false
  cleanup_policies {
    id     = "delete-old-versions"
    action = "DELETE"
    condition {
      tag_state = "ANY"
    }
  }
  cleanup_policies {
    id     = "keep-recent-versions"
    action = "KEEP"
    most_recent_versions {
      keep_count = try(each.value.keep_images, 30)
    }
  }

  vulnerability_scanning_config {
    enablement_config = try(each.value.scan_on_push, true) ? "INHERITED" : "DISABLED"
  }
}

# The vine cluster's nodes pull images from the vine's registries (and nothing else is granted).
resource "google_artifact_registry_repository_iam_member" "container_registries__nodes" {
  for_each   = { for k, c in local.registries : k => c if length(local.cluster) > 0 }
  location   = google_artifact_registry_repository.container_registries[each.key].location
  repository = google_artifact_registry_repository.container_registries[each.key].name
  role       = "roles/artifactregistry.reader"
  member     = "serviceAccount:${local.gke.node_sa_email}"
}

output "container_registries" {
  description = "\"<name>\" → the registry's outputs (terraform/CONTRACT.md)."
  value = {
    for k, c in local.registries : k => {
      name           = google_artifact_registry_repository.container_registries[k].repository_id
      arn            = google_artifact_registry_repository.container_registries[k].id
      repository_url = "${var.region}-docker.pkg.dev/${local.project}/${google_artifact_registry_repository.container_registries[k].repository_id}"
      immutable_tags = try(c.immutable_tags, false)
    }
  }
}
