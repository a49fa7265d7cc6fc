package localaws

// operation runs one authenticated API action. It is called with Server.mu held.
type operation func(s *Server, q *request) (any, *apiError)

// operations lists every action the endpoint implements, by service.
var operations = map[string]map[string]operation{
	"iam": {
		"GetUser":                         (*Server).getUser,
		"GetAccountPasswordPolicy":        (*Server).getAccountPasswordPolicy,
		"ChangePassword":                  (*Server).changePassword,
		"CreateVirtualMFADevice":          (*Server).createVirtualMFADevice,
		"EnableMFADevice":                 (*Server).enableMFADevice,
		"ListMFADevices":                  (*Server).listMFADevices,
		"ListVirtualMFADevices":           (*Server).listVirtualMFADevices,
		"ResyncMFADevice":                 (*Server).resyncMFADevice,
		"DeactivateMFADevice":             (*Server).deactivateMFADevice,
		"DeleteVirtualMFADevice":          (*Server).deleteVirtualMFADevice,
		"CreateAccessKey":                 (*Server).createAccessKey,
		"ListAccessKeys":                  (*Server).listAccessKeys,
		"UpdateAccessKey":                 (*Server).updateAccessKey,
		"DeleteAccessKey":                 (*Server).deleteAccessKey,
		"GetAccessKeyLastUsed":            (*Server).getAccessKeyLastUsed,
		"CreateServiceSpecificCredential": (*Server).createServiceSpecificCredential,
		"ListServiceSpecificCredentials":  (*Server).listServiceSpecificCredentials,
		"ResetServiceSpecificCredential":  (*Server).resetServiceSpecificCredential,
		"UpdateServiceSpecificCredential": (*Server).updateServiceSpecificCredential,
		"DeleteServiceSpecificCredential": (*Server).deleteServiceSpecificCredential,
	},
	"sts": {
		"GetCallerIdentity": (*Server).getCallerIdentity,
		"GetSessionToken":   (*Server).getSessionToken,
		"AssumeRole":        (*Server).assumeRole,
	},
}
