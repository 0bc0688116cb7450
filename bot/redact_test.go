package bot

import (
	"errors"
	"testing"
)

type coded struct{ error }

func (coded) ErrorCode() string { return "503" }
func (coded) RateLimited() bool { return false }

func TestStripURLQueries(t *testing.T) {
	for in, want := range map[string]string{
		`Get "https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww1&corpsecret=S3": dial tcp: refused`: `Get "https://qyapi.weixin.qq.com/cgi-bin/gettoken": dial tcp: refused`,
		`http post error : uri=http://127.0.0.1:9/cgi-bin/message/send?access_token=T1 , statusCode=500`: `http post error : uri=http://127.0.0.1:9/cgi-bin/message/send , statusCode=500`,
		`two: https://a/x?k=1 and 'https://b/y#frag'`:                                                    `two: https://a/x and 'https://b/y'`,
		`errcode=45009 errmsg=api freq out of limit`:                                                     `errcode=45009 errmsg=api freq out of limit`,
	} {
		if got := StripURLQueries(coded{errors.New(in)}); got.Error() != want {
			t.Errorf("StripURLQueries(%q) = %q, want %q", in, got, want)
		} else if ce := CodedError(nil); !errors.As(got, &ce) {
			t.Errorf("%q: the platform's code is lost", in)
		}
	}
	if StripURLQueries(nil) != nil {
		t.Error("nil must stay nil")
	}
}
