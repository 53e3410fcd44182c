// libnghttp2 (Debian's libnghttp2-dev, 1.52) as Swift sees it. The server uses the pre-1.60 names
// (nghttp2_submit_response, nghttp2_data_provider, nghttp2_session_mem_recv), which newer releases keep.
#include <nghttp2/nghttp2.h>
