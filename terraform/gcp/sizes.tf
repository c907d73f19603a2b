# small / medium / large / xlarge → GCP machine types, tiers and capacities, per service. Prices
# (us-central1, on-demand list) are in data/prices/gcp.json; docs/clouds/gcp.md explains the choice.
locals {
  sizes = {
    # GKE node pool machine types (E2: general purpose, the cheapest per vCPU/GB).
    gke_machine_type = {
      small  = "e2-medium"     # 2 shared vCPU, 4 GB
      medium = "e2-standard-2" # 2 vCPU, 8 GB
      large  = "e2-standard-4" # 4 vCPU, 16 GB
      xlarge = "e2-standard-8" # 8 vCPU, 32 GB
    }
    # Cloud SQL (Enterprise edition) tiers. small is shared-core (no SLA); with high availability
    # it becomes the smallest dedicated-core tier, the only kind the Cloud SQL SLA covers.
    sql_tier = {
      small  = "db-g1-small"       # shared core, 1.7 GB
      medium = "db-custom-2-7680"  # 2 vCPU, 7.5 GB
      large  = "db-custom-4-15360" # 4 vCPU, 15 GB
      xlarge = "db-custom-8-30720" # 8 vCPU, 30 GB
    }
    sql_tier_small_ha = "db-custom-1-3840" # 1 vCPU, 3.75 GB
    # Memorystore for Redis capacity (GB), at the start of a price band (M1 1–4 GB, M2 5–10,
    # M3 11–35: a 5 GB instance costs less than a 4 GB one). Read replicas need 5 GB or more.
    redis_memory_gb = {
      small  = 1
      medium = 5
      large  = 11
      xlarge = 24
    }
    # Memorystore for Valkey node types.
    valkey_node_type = {
      small  = "SHARED_CORE_NANO" # 1.4 GB
      medium = "STANDARD_SMALL"   # 6.5 GB
      large  = "HIGHMEM_MEDIUM"   # 13 GB
      xlarge = "HIGHMEM_XLARGE"   # 58 GB
    }
    # Memorystore for Memcached node shape.
    memcache_node = {
      small  = { cpu_count = 1, memory_size_mb = 1024 }
      medium = { cpu_count = 2, memory_size_mb = 4096 }
      large  = { cpu_count = 4, memory_size_mb = 8192 }
      xlarge = { cpu_count = 8, memory_size_mb = 16384 }
    }
  }
}
