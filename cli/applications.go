package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/zwgk-bot/zwgk/api"
	"github.com/zwgk-bot/zwgk/app"
	"github.com/zwgk-bot/zwgk/applications"
	"github.com/zwgk-bot/zwgk/storage"
)

// applicationColumns are the columns an applications file may have.
var applicationColumns = []string{"external_id", "channel", "received_on", "applicant_name", "applicant_type", "applicant_id_no",
	"applicant_phone", "applicant_address", "content", "provide_form", "section", "registrar", "outcome", "reason", "closed_on"}

// importApplications registers the rows of the paper register: every row
// is checked first, and all are written in one transaction or none.
func importApplications(ctx context.Context, s *app.Service, r io.Reader, name, registrar string, dry bool, out io.Writer) error {
	file := &csvFile{name: name, columns: applicationColumns,
		required: []string{"channel", "received_on", "applicant_name", "applicant_type", "content", "provide_form"}}
	flow := s.Bot().Applications
	now := time.Now()
	var as []*storage.Application
	var lines []int
	seen := map[string]int{}
	var failed error
	err := file.rows(r, func(line int, get func(string) string) {
		if failed != nil {
			return
		}
		in := applications.Input{
			ExternalID: get("external_id"), Channel: get("channel"), ReceivedOn: get("received_on"),
			ApplicantName: get("applicant_name"), ApplicantType: get("applicant_type"), ApplicantIDNo: get("applicant_id_no"),
			ApplicantPhone: get("applicant_phone"), ApplicantAddress: get("applicant_address"), Content: get("content"),
			ProvideForm: get("provide_form"), Section: get("section"), Registrar: get("registrar"),
			Outcome: get("outcome"), Reason: get("reason"), ClosedOn: get("closed_on"),
		}
		if in.Registrar == "" {
			in.Registrar = registrar
		}
		a, err := flow.Validate(in, now)
		if fe, ok := api.AsFieldErrors(err); ok {
			for _, p := range fe {
				file.problem(line, p.Field+": "+p.Message)
			}
			return
		}
		if err != nil {
			failed = err
			return
		}
		if a.ExternalID.Valid {
			if first, dup := seen[a.ExternalID.String]; dup {
				file.problem(line, fmt.Sprintf("external_id %s repeats line %d", a.ExternalID.String, first))
				return
			}
			seen[a.ExternalID.String] = line
		}
		a.Source = "csv"
		as, lines = append(as, a), append(lines, line)
	})
	if err == nil {
		err = failed
	}
	if err != nil {
		return err
	}
	if len(file.problems) > 0 {
		return reportProblems(out, file.problems)
	}
	var created []bool
	var queued int
	err = s.DB().WithTx(ctx, func(tx *storage.Tx) error {
		var err error
		if created, queued, err = flow.RegisterMany(ctx, tx, as, now); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if dry {
			return errDryRun
		}
		return nil
	})
	if err != nil && !(dry && errors.Is(err, errDryRun)) {
		return err
	}
	n, known := 0, 0
	for i, ok := range created {
		if ok {
			n++
			continue
		}
		known++
		fmt.Fprintf(out, "%s:%d: external_id %s was already registered as %s; kept as it is\n", name, lines[i], as[i].ExternalID.String, as[i].Number())
	}
	if dry {
		fmt.Fprintf(out, "%s: %d rows are good: %d new, %d already known (dry run: nothing written)\n", name, len(as), n, known)
		return nil
	}
	if queued > 0 {
		if _, err := s.Worker().DeliverDue(ctx); err != nil {
			fmt.Fprintf(out, "messages queued; delivery will continue in the running bot (%v)\n", err)
		}
	}
	fmt.Fprintf(out, "%s: %d applications registered, %d already known\n", name, n, known)
	return nil
}
