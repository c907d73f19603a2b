# small / medium / large / xlarge → Azure SKUs and VM sizes, one table per service.
# East US pay-as-you-go list prices per month are in data/prices/azure.json.
locals {
  sizes = {
    # AKS user node pools (node_size). B2s: 2 vCPU / 4 GiB burstable; Dsv5: 2/4/8 vCPU, 4 GiB per vCPU.
    aks_node = {
      small  = "Standard_B2s"
      medium = "Standard_D2s_v5"
      large  = "Standard_D4s_v5"
      xlarge = "Standard_D8s_v5"
    }
    # The AKS system pool (CoreDNS, metrics, konnectivity: tainted CriticalAddonsOnly). AKS needs at
    # least 2 vCPU and 4 GiB there.
    aks_system = {
      small  = "Standard_B2s"
      medium = "Standard_D2s_v5"
      large  = "Standard_D2s_v5"
      xlarge = "Standard_D4s_v5"
    }
    # Azure Database for PostgreSQL flexible server. Burstable (B) has no high availability: a small
    # database with high_availability gets postgres_ha_small instead.
    postgres = {
      small  = "B_Standard_B1ms"
      medium = "GP_Standard_D2ds_v5"
      large  = "GP_Standard_D4ds_v5"
      xlarge = "GP_Standard_D8ds_v5"
    }
    postgres_ha_small = "GP_Standard_D2ds_v5"
    # Azure Database for MySQL flexible server (same rule for high availability).
    mysql = {
      small  = "B_Standard_B1ms"
      medium = "GP_Standard_D2ds_v4"
      large  = "GP_Standard_D4ds_v4"
      xlarge = "GP_Standard_D8ds_v4"
    }
    mysql_ha_small = "GP_Standard_D2ds_v4"
    # Azure Cache for Redis capacity: C family (Basic, Standard) and P family (Premium).
    # C0 250 MB, C1 1 GB, C3 6 GB, C4 13 GB; P1 6 GB, P2 13 GB, P3 26 GB.
    redis_c = {
      small  = 0
      medium = 1
      large  = 3
      xlarge = 4
    }
    redis_p = {
      small  = 1
      medium = 1
      large  = 2
      xlarge = 3
    }
  }

  # PostgreSQL flexible server storage sizes (GiB); storage_gb is rounded up to the next one.
  postgres_storage_gib = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767]
}
