# container_registries: ECR repositories, scan on push, AES-256 encryption, a lifecycle policy that
# keeps the newest keep_images images. Outside production a destroy deletes the images too.

variable "container_registries" {
  type    = any
  default = {}
}

locals {
  container_registries = merge(var.container_registries)
}

resource "aws_ecr_repository" "container_registries" {
  for_each             = local.container_registries
  name                 = local.rn["container_registries/${each.key}"]
  image_tag_mutability = try(each.value.immutable_tags, false) ? "IMMUTABLE" : "MUTABLE"
  force_delete         = !local.is_production

  image_scanning_configuration {
    scan_on_push = try(each.value.scan_on_push, true)
  }

  encryption_configuration {
    encryption_type = "AES256"
  }
}

resource "aws_ecr_lifecycle_policy" "container_registries" {
  for_each   = local.container_registries
  repository = aws_ecr_repository.container_registries[each.key].name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the newest ${try(each.value.keep_images, 30)} images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = try(each.value.keep_images, 30)
      }
      action = { type = "expire" }
    }]
  })
}

output "container_registries" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); nothing secret."
  value = {
    for k, c in local.container_registries : k => {
      name           = aws_ecr_repository.container_registries[k].name
      arn            = aws_ecr_repository.container_registries[k].arn
      repository_url = aws_ecr_repository.container_registries[k].repository_url
      immutable_tags = try(c.immutable_tags, false)
    }
  }
}
