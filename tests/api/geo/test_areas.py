"""Districts and neighbourhoods through the API, as a list and as GeoJSON."""


def test_areas(client, city):
    areas = client.get("/api/v1/areas?level=neighbourhood").json()
    assert {(a["code"], a["district"], a["population"]) for a in areas} == {
        ("10", "1", 1000),
        ("20", "2", 3000),
    }
    geojson = client.get("/api/v1/areas.geojson?level=district").json()
    assert len(geojson["features"]) == 2
    assert client.get("/api/v1/areas?level=county").status_code == 422
