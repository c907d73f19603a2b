# cluster: EKS with one managed node group in the private subnets, its IAM roles, the IAM OIDC
# provider (IRSA) and, when argocd_enabled, Argo CD from its Helm chart.

variable "cluster" {
  type    = any
  default = null
  # What needs the vine's network says so at once (the resources' own checks come later, after
  # AWS-side validation that would name a missing CIDR or subnet instead).
  validation {
    condition     = var.cluster == null || var.network != null
    error_message = "cluster: the vine needs a network (EKS runs in its private subnets)."
  }
}

locals {
  cluster = { for _, c in { x = var.cluster } : try(c.name, "cluster") => c if c != null }
  # Chart versions, pinned (https://argoproj.github.io/argo-helm): argo-cd 8.5.0 is Argo CD v3.1.5,
  # which supports Kubernetes 1.30–1.33; argocd-apps 2.0.2 takes `applications` as a map.
  argocd_chart_version = "8.5.0"
  argocd_namespace     = "argocd"

  cluster_name = { for k, c in local.cluster : k => local.name["cluster/${k}"]["63"] }
  argocd       = { for k, c in local.cluster : k => c if try(c.argocd_enabled, false) }
  argocd_key   = one(keys(local.argocd))

  # For the Helm provider (providers.tf): null without a cluster.
  eks_name     = one([for c in aws_eks_cluster.cluster : c.name])
  eks_endpoint = one([for c in aws_eks_cluster.cluster : c.endpoint])
  eks_ca       = one([for c in aws_eks_cluster.cluster : c.certificate_authority[0].data])

  node_policies = {
    worker = "AmazonEKSWorkerNodePolicy"
    cni    = "AmazonEKS_CNI_Policy"
    ecr    = "AmazonEC2ContainerRegistryReadOnly"
  }
  node_policy_attachments = merge([
    for k, c in local.cluster : { for p, policy in local.node_policies : "${k}/${p}" => { cluster = k, policy = policy } }
  ]...)
}

# IAM role names start with "vintner-", so the identity's policy can scope iam:* and iam:PassRole
# to arn:aws:iam::<account>:role/vintner-* (not an IAM path: nodes whose role has a path fail to
# join EKS, the authenticator sees the role's ARN without it).
data "aws_iam_policy_document" "cluster__assume" {
  for_each = local.cluster
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "Service"
      identifiers = ["eks.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "cluster__node_assume" {
  for_each = local.cluster
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "cluster" {
  for_each           = local.cluster
  name               = "vintner-${local.name["cluster/${each.key}"]["47"]}-cluster"
  assume_role_policy = data.aws_iam_policy_document.cluster__assume[each.key].json
}

resource "aws_iam_role_policy_attachment" "cluster" {
  for_each   = local.cluster
  role       = aws_iam_role.cluster[each.key].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
}

resource "aws_iam_role" "cluster__node" {
  for_each           = local.cluster
  name               = "vintner-${local.name["cluster/${each.key}"]["47"]}-node"
  assume_role_policy = data.aws_iam_policy_document.cluster__node_assume[each.key].json
}

resource "aws_iam_role_policy_attachment" "cluster__node" {
  for_each   = local.node_policy_attachments
  role       = aws_iam_role.cluster__node[each.value.cluster].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/${each.value.policy}"
}

# Created before the cluster so EKS writes into it (and a destroy removes it) instead of creating
# one without retention that outlives the vine.
resource "aws_cloudwatch_log_group" "cluster" {
  for_each          = local.cluster
  name              = "/aws/eks/${local.cluster_name[each.key]}/cluster"
  retention_in_days = local.log_retention
}

resource "aws_eks_cluster" "cluster" {
  for_each = local.cluster
  name     = local.cluster_name[each.key]
  role_arn = aws_iam_role.cluster[each.key].arn
  version  = each.value.kubernetes_version

  enabled_cluster_log_types = ["api", "audit", "authenticator"]
  deletion_protection       = local.is_production

  access_config {
    # Access entries only (no aws-auth ConfigMap); the identity that creates the cluster (Vintner's,
    # from the environment) is its first admin, which Helm needs.
    authentication_mode                         = "API"
    bootstrap_cluster_creator_admin_permissions = true
  }

  vpc_config {
    subnet_ids              = local.private_subnet_ids
    endpoint_private_access = true
    # Public too: Vintner's workers reach the API from outside the VPC (Helm, Argo CD).
    endpoint_public_access = true
  }

  depends_on = [
    aws_iam_role_policy_attachment.cluster,
    aws_cloudwatch_log_group.cluster,
  ]

  lifecycle {
    precondition {
      condition     = local.vpc_id != null && length(local.private_subnet_ids) >= 2
      error_message = "cluster: the vine needs a network with private subnets in two zones at least."
    }
    precondition {
      condition     = local.network_has_egress
      error_message = "cluster: EKS nodes in private subnets need outbound internet; set the network's nat_gateway to single or per_az."
    }
  }
}

# Nodes: IMDSv2 only, with a hop limit of 1 so pods cannot borrow the node role's credentials
# (workloads get theirs through IRSA), an encrypted gp3 root volume, and the vine's tags on the
# instances and volumes (default_tags reach only what Terraform itself creates).
resource "aws_launch_template" "cluster__nodes" {
  for_each               = local.cluster
  name_prefix            = "${local.name["cluster/${each.key}"]["55"]}-"
  description            = "Vintner EKS nodes of ${local.cluster_name[each.key]}"
  update_default_version = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = 20
      volume_type           = "gp3"
      encrypted             = "true"
      delete_on_termination = "true"
    }
  }

  dynamic "tag_specifications" {
    for_each = toset(["instance", "volume"])
    content {
      resource_type = tag_specifications.value
      tags          = merge(local.tags, { Name = "${local.cluster_name[each.key]}-node" })
    }
  }
}

resource "aws_eks_node_group" "cluster__nodes" {
  for_each        = local.cluster
  cluster_name    = aws_eks_cluster.cluster[each.key].name
  node_group_name = "${local.name["cluster/${each.key}"]["55"]}-nodes"
  node_role_arn   = aws_iam_role.cluster__node[each.key].arn
  subnet_ids      = local.node_subnet_ids
  ami_type        = "AL2023_x86_64_STANDARD"
  capacity_type   = "ON_DEMAND"
  instance_types  = [local.sizes.node[try(each.value.node_size, "small")]]

  launch_template {
    id      = aws_launch_template.cluster__nodes[each.key].id
    version = tostring(aws_launch_template.cluster__nodes[each.key].latest_version)
  }

  scaling_config {
    min_size = each.value.node_min
    max_size = each.value.node_max
    # At least one node so Argo CD can start; a cluster autoscaler owns the number afterwards.
    desired_size = min(max(each.value.node_min, 1), each.value.node_max)
  }

  update_config {
    max_unavailable = 1
  }

  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]
    precondition {
      condition     = each.value.node_min <= each.value.node_max
      error_message = "cluster: node_min must not exceed node_max."
    }
  }

  # Nodes join only once their subnets route to the internet (images, the EKS API).
  depends_on = [
    aws_iam_role_policy_attachment.cluster__node,
    aws_route.network__private_nat,
    aws_route_table_association.network__private,
  ]
}

data "tls_certificate" "cluster__oidc" {
  for_each = local.cluster
  url      = aws_eks_cluster.cluster[each.key].identity[0].oidc[0].issuer
}

resource "aws_iam_openid_connect_provider" "cluster__oidc" {
  for_each        = local.cluster
  url             = aws_eks_cluster.cluster[each.key].identity[0].oidc[0].issuer
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = [data.tls_certificate.cluster__oidc[each.key].certificates[0].sha1_fingerprint]
}

resource "helm_release" "cluster__argocd" {
  for_each         = local.argocd
  name             = "argocd"
  namespace        = local.argocd_namespace
  create_namespace = true
  repository       = "https://argoproj.github.io/argo-helm"
  chart            = "argo-cd"
  version          = local.argocd_chart_version
  timeout          = 900
  atomic           = true
  cleanup_on_fail  = true

  values = [yamlencode({
    # No SSO is configured: Dex would only take a pod. Notifications likewise until configured.
    dex           = { enabled = false }
    notifications = { enabled = false }
    global = {
      # Production spreads Argo CD over the zones.
      topologySpreadConstraints = local.is_production ? [{
        maxSkew           = 1
        topologyKey       = "topology.kubernetes.io/zone"
        whenUnsatisfiable = "ScheduleAnyway"
      }] : []
    }
    server     = { replicas = local.is_production ? 2 : 1 }
    repoServer = { replicas = local.is_production ? 2 : 1 }
  })]

  depends_on = [aws_eks_node_group.cluster__nodes]
}

output "cluster" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); nothing secret."
  value = {
    for k, c in local.cluster : k => {
      id                 = aws_eks_cluster.cluster[k].id
      arn                = aws_eks_cluster.cluster[k].arn
      name               = aws_eks_cluster.cluster[k].name
      endpoint           = aws_eks_cluster.cluster[k].endpoint
      kubernetes_version = aws_eks_cluster.cluster[k].version
      node_instance_type = local.sizes.node[try(c.node_size, "small")]
      node_min           = c.node_min
      node_max           = c.node_max
      oidc_issuer_url    = aws_eks_cluster.cluster[k].identity[0].oidc[0].issuer
      # Argo CD is not exposed outside the cluster: kubectl -n argocd port-forward svc/argocd-server.
      argocd_url = try(c.argocd_enabled, false) ? "https://argocd-server.${helm_release.cluster__argocd[k].namespace}.svc.cluster.local" : null
    }
  }
}
