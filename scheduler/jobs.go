package scheduler

// jobList is every job, in the order zwgk jobs lists them. Each job lives
// in a file of its own with its constructor; a new kind of reminder adds a
// file and one line here, and gets the runner's quiet rules, locking, slots
// and keys for free. The 12345 order reminders are described in orders.go, the
// 依申请公开 ones in applications.go.
var jobList = [...]func(*Scheduler) Job{
	(*Scheduler).officeDigestJob,
	(*Scheduler).approverDigestJob,
	(*Scheduler).deadlineJob,
	(*Scheduler).escalationJob,
	(*Scheduler).annualReportJob,
	(*Scheduler).annualMeetingJob,
	(*Scheduler).outboxFailuresJob,
	(*Scheduler).orderDueJob,
	(*Scheduler).orderAcceptJob,
	(*Scheduler).orderOverdueJob,
	(*Scheduler).orderUrgentJob,
	(*Scheduler).applicationSupplementJob,
	(*Scheduler).applicationDueJob,
	(*Scheduler).applicationLapsedJob,
	(*Scheduler).applicationOverdueJob,
}
