package targeting

import (
	"encoding/json"
	"strconv"

	"github.com/secmgmt/secmgmt/identity"
)

// Explanation is the result of one expression of a rule for one device, in
// the shape of Microsoft Graph's expressionEvaluationDetails (the JSON field
// names are Graph's). Expression is the canonical text of the expression
// without outer parentheses; Details holds the results of the operands of
// -and, -or and -not; a comparison or lambda names the property it read.
type Explanation struct {
	Expression         string              `json:"expression"`
	Result             bool                `json:"expressionResult"`
	PropertyToEvaluate *PropertyToEvaluate `json:"propertyToEvaluate,omitempty"`
	Details            []Explanation       `json:"expressionEvaluationDetails,omitempty"`
}

// PropertyToEvaluate names the property an expression read and its value
// on the device: a string as it is, a Boolean as "true" or "false", a
// collection as a JSON array of strings, and null as "".
type PropertyToEvaluate struct {
	PropertyName  string `json:"propertyName"`
	PropertyValue string `json:"propertyValue"`
}

// Explain evaluates the rule against dev (nil is a device with every
// property null) and returns the result of every expression. Unlike Match
// it evaluates every operand, so each one has a result; the root's Result
// is what Match returns. It is safe for concurrent use.
func (r *Rule) Explain(dev *identity.Device) Explanation {
	if dev == nil {
		dev = &nullDevice
	}
	c := evalCtx{dev: dev}
	return explain(r.root, r.direct, &c)
}

func explain(n *node, d *dnode, c *evalCtx) Explanation {
	e := Explanation{Expression: n.String()}
	switch n.kind {
	case nodeAnd, nodeOr, nodeNot:
		for i, k := range n.kids {
			e.Details = append(e.Details, explain(k, d.kids[i], c))
		}
		switch n.kind {
		case nodeAnd:
			e.Result = true
			for _, k := range e.Details {
				e.Result = e.Result && k.Result
			}
		case nodeOr:
			for _, k := range e.Details {
				e.Result = e.Result || k.Result
			}
		default:
			e.Result = !e.Details[0].Result
		}
	default:
		e.Result = d.eval(c)
		e.PropertyToEvaluate = &PropertyToEvaluate{
			PropertyName:  properties[n.prop].name,
			PropertyValue: propertyText(c.dev, n.prop),
		}
	}
	return e
}

// propertyText renders a property's value for PropertyToEvaluate.
func propertyText(dev *identity.Device, id propID) string {
	switch properties[id].kind {
	case kindBool:
		if v := boolValue(dev, id); v != nil {
			return strconv.FormatBool(*v)
		}
		return ""
	case kindCollection, kindGroups:
		list := collectionValue(dev, id)
		if list == nil {
			list = []string{}
		}
		b, _ := json.Marshal(list)
		return string(b)
	}
	return stringValue(dev, id)
}
