package signin

import (
	"cmp"
	"slices"
)

// Group list caps: a group names its most frequent users, apps and IPs.
const (
	GroupTopUsers = 5
	GroupTopApps  = 3
	GroupTopIPs   = 3
)

// GroupSignIns aggregates sign-ins (newest first) by error code, largest
// group first. Sources with their own indexes may group faster; the result
// must be the same.
func GroupSignIns(recs []SignIn) []Group {
	type acc struct {
		g                Group
		users, apps, ips map[string]int
	}
	by := map[int]*acc{}
	var order []int
	for i := range recs {
		r := &recs[i]
		a := by[r.Status.ErrorCode]
		if a == nil {
			a = &acc{g: Group{ErrorCode: r.Status.ErrorCode, LastSeen: r.CreatedAt, FirstSeen: r.CreatedAt}, users: map[string]int{}, apps: map[string]int{}, ips: map[string]int{}}
			by[r.Status.ErrorCode] = a
			order = append(order, r.Status.ErrorCode)
		}
		a.g.Count++
		a.g.AddExposure(r.Exposure())
		if r.CreatedAt.Before(a.g.FirstSeen) {
			a.g.FirstSeen = r.CreatedAt
		}
		if r.CreatedAt.After(a.g.LastSeen) {
			a.g.LastSeen = r.CreatedAt
		}
		if who := r.WhoName(); who != "" {
			a.users[who]++
		}
		if app := r.AppName(); app != "" {
			a.apps[app]++
		}
		if r.IPAddress != "" {
			a.ips[r.IPAddress]++
		}
	}
	out := make([]Group, 0, len(order))
	for _, code := range order {
		a := by[code]
		a.g.Users, a.g.UserCount = top(a.users, GroupTopUsers), len(a.users)
		a.g.Apps, a.g.AppCount = top(a.apps, GroupTopApps), len(a.apps)
		a.g.IPAddresses, a.g.IPCount = top(a.ips, GroupTopIPs), len(a.ips)
		out = append(out, a.g)
	}
	SortGroups(out)
	return out
}

// SortGroups orders groups largest first, then most recent.
func SortGroups(gs []Group) {
	slices.SortStableFunc(gs, func(a, b Group) int {
		if d := cmp.Compare(b.Count, a.Count); d != 0 {
			return d
		}
		return b.LastSeen.Compare(a.LastSeen)
	})
}

func top(c map[string]int, n int) []Count {
	out := make([]Count, 0, len(c))
	for k, v := range c {
		out = append(out, Count{Value: k, Count: v})
	}
	SortCounts(out)
	return out[:min(n, len(out))]
}

// SortCounts orders counts most first, ties by value, so that every source
// names the same top values.
func SortCounts(cs []Count) {
	slices.SortFunc(cs, func(a, b Count) int {
		if d := cmp.Compare(b.Count, a.Count); d != 0 {
			return d
		}
		return cmp.Compare(a.Value, b.Value)
	})
}

// AddExposure counts one sign-in's exposure in the group; sources that
// aggregate groups with their own indexes call it as GroupSignIns does.
func (g *Group) AddExposure(e Exposure) {
	switch e {
	case ExposureMFARejected:
		g.MFARejected++
	case ExposureHighRisk:
		g.HighRisk++
	}
}

// Exposure is the strongest exposure among the group's sign-ins, and how
// many sign-ins carry it.
func (g Group) Exposure() (Exposure, int) {
	switch {
	case g.MFARejected > 0:
		return ExposureMFARejected, g.MFARejected
	case g.HighRisk > 0:
		return ExposureHighRisk, g.HighRisk
	}
	return ExposureNone, 0
}

// WhoName is the user a person would name: the UPN, else the object ID.
func (s *SignIn) WhoName() string {
	if s.User.UPN != "" {
		return s.User.UPN
	}
	return s.User.ID
}

// AppName is the app a person would name for the sign-in.
func (s *SignIn) AppName() string {
	for _, n := range []string{s.App.Name, s.ServicePrincipal.Name, s.App.ID, s.ServicePrincipal.ID} {
		if n != "" {
			return n
		}
	}
	return ""
}
