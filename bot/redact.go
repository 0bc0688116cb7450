package bot

import "regexp"

// urlQuery matches a URL's query string and fragment: what follows "?" or
// "#" up to the next space or quote.
var urlQuery = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'?#]*)[?#][^\s"']*`)

// StripURLQueries returns err with the query string (and fragment) of every
// URL in its message removed, for errors that leave a platform adapter:
// platforms put credentials in URLs (WeCom's gettoken carries corpsecret,
// its API calls access_token; robot webhooks carry their keys), and client
// libraries quote the URL in their errors, which end up in logs,
// outbox.last_error and 系统状态. The result still unwraps to err, so
// errors.As finds the platform's codes.
func StripURLQueries(err error) error {
	if err == nil {
		return nil
	}
	msg := urlQuery.ReplaceAllString(err.Error(), "$1")
	if msg == err.Error() {
		return err
	}
	return &strippedError{msg: msg, err: err}
}

type strippedError struct {
	msg string
	err error
}

func (e *strippedError) Error() string { return e.msg }
func (e *strippedError) Unwrap() error { return e.err }
