# small … xlarge → instance types, one table per service (us-east-1 on-demand prices in
# data/prices/aws.json). Development's `small` is the cheapest type that still does the job:
# t3.medium is the smallest node that fits Argo CD next to the EKS system pods (t3.small allows
# 11 pods), db.t4g.micro and cache.t4g.micro are the smallest RDS / ElastiCache types. Burstable
# types stop at `medium`; `large` and up are current general-purpose types (x86 nodes so any image
# runs; Graviton for the managed databases and caches, where the CPU architecture is invisible).
locals {
  sizes = {
    node = {
      small  = "t3.medium"
      medium = "m7i.large"
      large  = "m7i.xlarge"
      xlarge = "m7i.2xlarge"
    }
    db = {
      small  = "db.t4g.micro"
      medium = "db.t4g.medium"
      large  = "db.m7g.large"
      xlarge = "db.m7g.xlarge"
    }
    cache = {
      small  = "cache.t4g.micro"
      medium = "cache.t4g.medium"
      large  = "cache.m7g.large"
      xlarge = "cache.m7g.xlarge"
    }
  }
}
