var e=document.querySelector("#app");e&&Scalar.createApiReference("#app",{url:e.dataset.url,withDefaultFonts:!1,hideClientButton:!0});
