package chat

// What the 办公桌's record pages (desk/) and the flows say to each other:
// each flow tells its page what to show and takes the actions posted
// there through the functions its cards' clicks run, in a turn of the
// visitor's (Act). The words are shared so that the desk handles every
// kind's outcome alike.

// PageField is one line of a record's particulars on its page.
type PageField struct{ Label, Value string }

// PageLink is a link a record's page offers (a letter, a printable page).
type PageLink struct{ Label, URL string }

// PageButton is a choice offered on a page: its form value and its words.
type PageButton struct{ Value, Text string }

// PageOutcome is what became of an action posted from a record's page.
type PageOutcome int

const (
	PageDecided   PageOutcome = iota // done: the record has moved on
	PageRepeat                       // the visitor did it already (a second submit): nothing done
	PageStale                        // the record moved on before: nothing done, Text says how
	PageForbidden                    // not the visitor's to do
	PageBadInput                     // Text says what to fix
	PageNotFound
)

// PageResult is a posted action's outcome and what to tell the visitor.
type PageResult struct {
	Outcome PageOutcome
	Text    string
}
