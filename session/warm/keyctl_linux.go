package warm

import (
	"strings"
	"syscall"
	"unsafe"
)

// Raw keyctl(2) calls. 99designs/keyring (which writes these items) is deliberately not imported here:
// linking it costs the warm path more start-up time than the whole lookup.
const (
	keyctlDescribe     = 6
	keyctlSearch       = 10
	keyctlRead         = 11
	keySpecUserKeyring = -4
)

func keyctl(cmd int, a2, a3, a4, a5 uintptr) (int, syscall.Errno) {
	r, _, errno := syscall.Syscall6(syscall.SYS_KEYCTL, uintptr(cmd), a2, a3, a4, a5, 0)
	return int(r), errno
}

func keyctlSearchID(ring int, typ, desc string) (int, bool) {
	t, err1 := syscall.BytePtrFromString(typ)
	d, err2 := syscall.BytePtrFromString(desc)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	id, errno := keyctl(keyctlSearch, uintptr(ring), uintptr(unsafe.Pointer(t)), uintptr(unsafe.Pointer(d)), 0)
	return id, errno == 0
}

// keyctlBuffer runs a keyctl command that fills a buffer (READ, DESCRIBE), growing it as the kernel asks.
func keyctlBuffer(cmd, id int) ([]byte, bool) {
	buf := make([]byte, 512)
	for {
		n, errno := keyctl(cmd, uintptr(id), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0)
		if errno != 0 {
			return nil, false
		}
		if n <= len(buf) {
			return buf[:n], true
		}
		buf = make([]byte, n)
	}
}

// keyctlLookup finds the newest item of kind for profile in the "kagi" keyring inside the user keyring,
// as 99designs/keyring's keyctl backend lays it out (scope "user", ServiceName "kagi").
func keyctlLookup(kind, profile string) (name string, data []byte, ok bool) {
	ring, ok := keyctlSearchID(keySpecUserKeyring, "keyring", "kagi")
	if !ok {
		return "", nil, false
	}
	list, ok := keyctlBuffer(keyctlRead, ring)
	if !ok {
		return "", nil, false
	}
	prefix := itemPrefix + kind + ":" + escape(profile) + ":"
	best, bestID := ItemInfo{}, 0
	for i := 0; i+4 <= len(list); i += 4 {
		id := int(*(*int32)(unsafe.Pointer(&list[i])))
		desc, ok := keyctlBuffer(keyctlDescribe, id)
		if !ok {
			continue
		}
		// "type;uid;gid;perm;description" with a trailing NUL.
		d := strings.TrimRight(string(desc), "\x00")
		if !strings.HasPrefix(d, "user;") {
			continue
		}
		itemName := d[strings.LastIndexByte(d, ';')+1:]
		if !strings.HasPrefix(itemName, prefix) {
			continue
		}
		info, ok := ParseItemName(itemName)
		if ok && info.Expires.After(best.Expires) {
			best, bestID, name = info, id, itemName
		}
	}
	if bestID == 0 {
		return "", nil, false
	}
	data, ok = keyctlBuffer(keyctlRead, bestID)
	return name, data, ok
}
