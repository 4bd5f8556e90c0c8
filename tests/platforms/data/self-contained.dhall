#!/usr/bin/env -S dhall-to-json --file
-- The integration page's record, written to look like imports everywhere but never import:
-- env:DJANGO_SECRET_KEY as Text, missing, https://example.com/x using h, ./x, ../x, ~/x, /etc/x
{- Block comments nest: {- env:HOME as Text -} ./still/inside sha256:00 "not a literal -}
let `env` = "env:HOME as Text, \${env:HOME}, missing, https://example.com/p, ./p, /p sha256:00"

let `missing` =
      ''
      Single-quoted text: ''${env:HOME} is escaped, ''' is two quotes, and so is
      ~/p as Location, ../p as Bytes, http://x/p using (toMap {=}) as Text
      ''

let notes = { env: Text, sha256: Text, http : Text }

let prefix = "meshcloud"

let size = Natural/show (List/length Text [ `env`, `missing` ])

let record =
      { platform = "aws-prod"
      , region = "eu-central-1"
      , meshfedServiceUser =
        { accessKey = "AKIAPAGEEXAMPLE00001"
        , secretKey = "page-example-secret-key-value-0001"
        }
      , organizationRootAccountRole =
          "arn:aws:iam::123456789012:role/MeshfedServiceRole"
      , organizationRootAccountExternalId = None Text
      , automationAccountRole =
          "arn:aws:iam::210987654321:role/MeshfedAutomationRole"
      , automationAccountExternalId = None Text
      , waitForExternalAvm = False
      , roleMappings =
        [ { mapKey = "admin"
          , mapValue = { roleName = "meshProjectAdminRole", policyArn = None Text }
          }
        ]
      , meshProvisioning = Some { accountEmailTemplate = "aws+%s@meshcloud.io" }
      , externalProvisioning =
          None
            { timeoutMinutes : Natural
            , customerTagKey : Text
            , projectTagKey : Text
            }
      , accountAccessRole = None Text
      , accountAliasPattern = None Text
      }

in      record
    //  { accountAliasPattern = Some "${prefix}-<customer>-<project>" }
    /\  {=}
