// Settings the vendored scripts read when they load; this file comes before them (see base.html).
// Bootstrap Italia's bundle carries video.js, which otherwise adds <style> elements to every page: the
// Content-Security-Policy allows no inline style, and the site shows no video.
window.VIDEOJS_NO_DYNAMIC_STYLE = true;
