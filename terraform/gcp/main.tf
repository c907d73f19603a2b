# Shared locals, the providers and what the whole vine reads.
#
# Address rule (terraform/CONTRACT.md): everything of component <kind>/<name> is
# <type>.<kind>["<name>"] (its main resource) or <type>.<kind>__<part>["<name>"] (or keyed
# "<name>/<sub>"), for_each keyed by the component name, singletons included. Vine-wide data
# sources below start with no kind name and are not followed.

provider "google" {
  # The project comes from GOOGLE_PROJECT / the credentials in the environment.
  region = var.region
}

# Argo CD and the repositories' Application are Helm releases on the vine's GKE cluster. With no
# cluster every value is null and no release exists, so the provider is never asked to connect.
provider "helm" {
  kubernetes = {
    host                   = local.gke == null ? null : "https://${local.gke.endpoint}"
    cluster_ca_certificate = local.gke == null ? null : try(base64decode(local.gke.ca_certificate), null)
    token                  = local.gke == null ? null : data.google_client_config.current.access_token
  }
}

# The caller's project and an OAuth access token (for the Helm provider) from the environment's
# credentials.
data "google_client_config" "current" {}

# The project number, for the Pub/Sub service agent (dead-letter permissions): read only when a
# queue has a dead-letter queue.
data "google_project" "current" {
  count = local.needs_project_number ? 1 : 0
}

# The region's zones, sorted: the first az_count are the vine's zones.
data "google_compute_zones" "available" {
  count  = local.needs_zones ? 1 : 0
  region = var.region
  status = "UP"
}

locals {
  project      = data.google_client_config.current.project
  production   = var.stage == "production"
  development  = var.stage == "development"
  region_zones = try(sort(data.google_compute_zones.available[0].names), [])

  needs_zones          = var.network != null || var.cluster != null || length(merge(var.caches)) > 0
  needs_project_number = length(local.dead_letter_queues) > 0

  # GCP label values: lowercase letters, digits, '_' and '-', at most 63 characters. Display names
  # may be unicode: they are slugged as name_prefix's parts are (src/domain/vines/stage.ts,
  # slugify: NFKD without combining marks — é → e, ﬁ → fi, ａ → a — then anything but a-z0-9
  # becomes '-'); `fold` is that NFKD mapping for the Latin and full-width letters that have one.
  # A name with nothing left is 'x' + 4 hex of its sha256: exactly the part name_prefix carries.
  fold = {
    "ª" = "a", "²" = "2", "³" = "3", "¹" = "1", "º" = "o", "à" = "a", "á" = "a", "â" = "a", "ã" = "a", "ä" = "a",
    "å" = "a", "ç" = "c", "è" = "e", "é" = "e", "ê" = "e", "ë" = "e", "ì" = "i", "í" = "i", "î" = "i", "ï" = "i",
    "ñ" = "n", "ò" = "o", "ó" = "o", "ô" = "o", "õ" = "o", "ö" = "o", "ù" = "u", "ú" = "u", "û" = "u", "ü" = "u",
    "ý" = "y", "ÿ" = "y", "ā" = "a", "ă" = "a", "ą" = "a", "ć" = "c", "ĉ" = "c", "ċ" = "c", "č" = "c", "ď" = "d",
    "ē" = "e", "ĕ" = "e", "ė" = "e", "ę" = "e", "ě" = "e", "ĝ" = "g", "ğ" = "g", "ġ" = "g", "ģ" = "g", "ĥ" = "h",
    "ĩ" = "i", "ī" = "i", "ĭ" = "i", "į" = "i", "ĳ" = "ij", "ĵ" = "j", "ķ" = "k", "ĺ" = "l", "ļ" = "l", "ľ" = "l",
    "ń" = "n", "ņ" = "n", "ň" = "n", "ō" = "o", "ŏ" = "o", "ő" = "o", "ŕ" = "r", "ŗ" = "r", "ř" = "r", "ś" = "s",
    "ŝ" = "s", "ş" = "s", "š" = "s", "ţ" = "t", "ť" = "t", "ũ" = "u", "ū" = "u", "ŭ" = "u", "ů" = "u", "ű" = "u",
    "ų" = "u", "ŵ" = "w", "ŷ" = "y", "ź" = "z", "ż" = "z", "ž" = "z", "ſ" = "s", "ơ" = "o", "ư" = "u", "ǆ" = "dz",
    "ǉ" = "lj", "ǌ" = "nj", "ǎ" = "a", "ǐ" = "i", "ǒ" = "o", "ǔ" = "u", "ǖ" = "u", "ǘ" = "u", "ǚ" = "u", "ǜ" = "u",
    "ǟ" = "a", "ǡ" = "a", "ǧ" = "g", "ǩ" = "k", "ǫ" = "o", "ǭ" = "o", "ǰ" = "j", "ǳ" = "dz", "ǵ" = "g", "ǹ" = "n",
    "ǻ" = "a", "ȁ" = "a", "ȃ" = "a", "ȅ" = "e", "ȇ" = "e", "ȉ" = "i", "ȋ" = "i", "ȍ" = "o", "ȏ" = "o", "ȑ" = "r",
    "ȓ" = "r", "ȕ" = "u", "ȗ" = "u", "ș" = "s", "ț" = "t", "ȟ" = "h", "ȧ" = "a", "ȩ" = "e", "ȫ" = "o", "ȭ" = "o",
    "ȯ" = "o", "ȱ" = "o", "ȳ" = "y", "ḁ" = "a", "ḃ" = "b", "ḅ" = "b", "ḇ" = "b", "ḉ" = "c", "ḋ" = "d", "ḍ" = "d",
    "ḏ" = "d", "ḑ" = "d", "ḓ" = "d", "ḕ" = "e", "ḗ" = "e", "ḙ" = "e", "ḛ" = "e", "ḝ" = "e", "ḟ" = "f", "ḡ" = "g",
    "ḣ" = "h", "ḥ" = "h", "ḧ" = "h", "ḩ" = "h", "ḫ" = "h", "ḭ" = "i", "ḯ" = "i", "ḱ" = "k", "ḳ" = "k", "ḵ" = "k",
    "ḷ" = "l", "ḹ" = "l", "ḻ" = "l", "ḽ" = "l", "ḿ" = "m", "ṁ" = "m", "ṃ" = "m", "ṅ" = "n", "ṇ" = "n", "ṉ" = "n",
    "ṋ" = "n", "ṍ" = "o", "ṏ" = "o", "ṑ" = "o", "ṓ" = "o", "ṕ" = "p", "ṗ" = "p", "ṙ" = "r", "ṛ" = "r", "ṝ" = "r",
    "ṟ" = "r", "ṡ" = "s", "ṣ" = "s", "ṥ" = "s", "ṧ" = "s", "ṩ" = "s", "ṫ" = "t", "ṭ" = "t", "ṯ" = "t", "ṱ" = "t",
    "ṳ" = "u", "ṵ" = "u", "ṷ" = "u", "ṹ" = "u", "ṻ" = "u", "ṽ" = "v", "ṿ" = "v", "ẁ" = "w", "ẃ" = "w", "ẅ" = "w",
    "ẇ" = "w", "ẉ" = "w", "ẋ" = "x", "ẍ" = "x", "ẏ" = "y", "ẑ" = "z", "ẓ" = "z", "ẕ" = "z", "ẖ" = "h", "ẗ" = "t",
    "ẘ" = "w", "ẙ" = "y", "ẛ" = "s", "ạ" = "a", "ả" = "a", "ấ" = "a", "ầ" = "a", "ẩ" = "a", "ẫ" = "a", "ậ" = "a",
    "ắ" = "a", "ằ" = "a", "ẳ" = "a", "ẵ" = "a", "ặ" = "a", "ẹ" = "e", "ẻ" = "e", "ẽ" = "e", "ế" = "e", "ề" = "e",
    "ể" = "e", "ễ" = "e", "ệ" = "e", "ỉ" = "i", "ị" = "i", "ọ" = "o", "ỏ" = "o", "ố" = "o", "ồ" = "o", "ổ" = "o",
    "ỗ" = "o", "ộ" = "o", "ớ" = "o", "ờ" = "o", "ở" = "o", "ỡ" = "o", "ợ" = "o", "ụ" = "u", "ủ" = "u", "ứ" = "u",
    "ừ" = "u", "ử" = "u", "ữ" = "u", "ự" = "u", "ỳ" = "y", "ỵ" = "y", "ỷ" = "y", "ỹ" = "y", "ﬀ" = "ff", "ﬁ" = "fi",
    "ﬂ" = "fl", "ﬃ" = "ffi", "ﬄ" = "ffl", "ﬅ" = "st", "ﬆ" = "st", "０" = "0", "１" = "1", "２" = "2", "３" = "3", "４" = "4",
    "５" = "5", "６" = "6", "７" = "7", "８" = "8", "９" = "9", "ａ" = "a", "ｂ" = "b", "ｃ" = "c", "ｄ" = "d", "ｅ" = "e",
    "ｆ" = "f", "ｇ" = "g", "ｈ" = "h", "ｉ" = "i", "ｊ" = "j", "ｋ" = "k", "ｌ" = "l", "ｍ" = "m", "ｎ" = "n", "ｏ" = "o",
    "ｐ" = "p", "ｑ" = "q", "ｒ" = "r", "ｓ" = "s", "ｔ" = "t", "ｕ" = "u", "ｖ" = "v", "ｗ" = "w", "ｘ" = "x", "ｙ" = "y",
    "ｚ" = "z",
  }
  label_slugs = {
    for k, v in { vineyard = var.vineyard, vine = var.vine } : k => replace(replace(
      join("", [for ch in regexall(".", lower(v)) : lookup(local.fold, ch, ch)]),
    "/[^a-z0-9]+/", "-"), "/^-+|-+$/", "")
  }
  label_values = {
    for k, v in { vineyard = var.vineyard, vine = var.vine } :
    k => local.label_slugs[k] == "" ? "x${substr(sha256(v), 0, 4)}" : replace(substr(local.label_slugs[k], 0, 63), "/-+$/", "")
  }
  labels = {
    vineyard   = local.label_values.vineyard
    vine       = local.label_values.vine
    stage      = var.stage
    managed-by = "vintner"
  }
  # Labels of one component: the vine's and which component it is ("<kind>-<name>").
  component_labels = {
    for id, _ in local.all : id => merge(local.labels, {
      component = replace(substr(replace(lower(replace(id, "/", "-")), "/[^a-z0-9_-]/", "-"), 0, 63), "/-+$/", "")
    })
  }

  # Every component's settings, "<kind>/<name>" → settings; and its resource_name, DNS-safe
  # (lowercase letters, digits, hyphens; starts with a letter; at most 63 characters).
  all = merge(
    { for k, c in local.network : "network/${k}" => c },
    { for k, c in local.cluster : "cluster/${k}" => c },
    { for k, c in local.dns : "dns/${k}" => c },
    { for k, c in local.repositories : "repositories/${k}" => c },
    { for k, c in local.databases : "databases/${k}" => c },
    { for k, c in local.caches : "caches/${k}" => c },
    { for k, c in local.queues : "queues/${k}" => c },
    { for k, c in local.topics : "topics/${k}" => c },
    { for k, c in local.nosql_tables : "nosql_tables/${k}" => c },
    { for k, c in local.registries : "container_registries/${k}" => c },
    { for k, c in local.secrets : "secrets/${k}" => c },
  )
  rn_raw = {
    for id, c in local.all : id => replace(replace(lower(try(c.resource_name, "${var.name_prefix}-${split("/", id)[1]}")), "/[^a-z0-9-]+/", "-"), "/-{2,}/", "-")
  }
  rn_fixed = { for id, n in local.rn_raw : id => can(regex("^[a-z]", n)) ? n : "v${n}" }
  # fit(s, max): s when it fits, else its head, a hyphen and 4 hex of sha1(s): distinct names stay
  # distinct and end with a letter or digit.
  rn = {
    for id, n in local.rn_fixed : id => length(n) <= 63 ? replace(n, "/-+$/", "") : "${replace(substr(n, 0, 58), "/-+$/", "")}-${substr(sha1(n), 0, 4)}"
  }
  # Pub/Sub names must not start with "goog".
  pubsub_name = { for id, n in local.rn : id => startswith(n, "goog") ? "v${n}" : n }
}
