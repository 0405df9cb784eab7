/* The server ends sessions (logout, 30 minutes idle, 12 hours): Dash's requests then get
   401.  Go to the login page, and back here after it, instead of leaving a page that has
   silently stopped updating. */
(function () {
  "use strict";
  var originalFetch = window.fetch;
  window.fetch = function () {
    return originalFetch.apply(this, arguments).then(function (response) {
      if (response.status === 401 && response.url.indexOf("/_dash-") !== -1) {
        var here = window.location.pathname + window.location.search;
        window.location.assign("/login?next=" + encodeURIComponent(here));
      }
      return response;
    });
  };
})();
