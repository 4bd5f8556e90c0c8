-- The record of the integration page's configuration reference, with Secret = Text.
let Aws =
        λ(Secret : Type)
      → { platform : Text
        , region : Text
        , meshfedServiceUser : { accessKey : Secret, secretKey : Secret }
        , organizationRootAccountRole : Text
        , organizationRootAccountExternalId : Optional Text
        , automationAccountRole : Text
        , automationAccountExternalId : Optional Text
        , waitForExternalAvm : Bool
        , roleMappings :
            List
              { mapKey : Text
              , mapValue : { roleName : Text, policyArn : Optional Text }
              }
        , meshProvisioning : Optional { accountEmailTemplate : Text }
        , externalProvisioning :
            Optional
              { timeoutMinutes : Natural
              , customerTagKey : Text
              , projectTagKey : Text
              }
        , accountAccessRole : Optional Text
        , accountAliasPattern : Optional Text
        }

in    { platform = "aws-prod"
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
      , accountAliasPattern = Some "meshcloud-<customer>-<project>"
      }
    : Aws Text
